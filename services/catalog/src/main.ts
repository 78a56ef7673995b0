import { runService } from '@syllabus/service-kit';
import { catalogService } from './service';

runService(catalogService);

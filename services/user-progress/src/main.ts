import { runService } from '@syllabus/service-kit';
import { userProgressService } from './service';

runService(userProgressService);

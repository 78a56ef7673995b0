import { runService } from '@syllabus/service-kit';
import { gatewayService } from './service';

runService(gatewayService);

import { runService } from '@syllabus/service-kit';
import { notificationService } from './service';

runService(notificationService);

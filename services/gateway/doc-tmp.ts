import { openApiDocument, catalogRoutes, userProgressRoutes, notificationRoutes, gatewayRoutes } from '@syllabus/contracts';
const doc = openApiDocument([{service:'gateway',routes:gatewayRoutes},{service:'catalog',routes:catalogRoutes},{service:'user-progress',routes:userProgressRoutes},{service:'notification',routes:notificationRoutes}], {title:'x',version:'1',description:''});
console.log(JSON.stringify(doc, null, 1));

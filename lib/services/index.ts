/** The SimService layer: service functions, the simulation-service life cycle, factories, registry, insideRun. */
export { SimService, type ServiceStatus } from './sim-service.ts';
export {
  serviceProxy,
  serviceFactory,
  registerService,
  createService,
  registeredServices,
  unregisterService,
  closeService,
  insideRun,
  type ServiceProxy,
  type ServiceApi,
  type ServiceMethods,
  type ServiceOptions,
  type ServiceFactory,
} from './service-proxy.ts';
export { serviceContext, type ServiceContext } from './context.ts';
export { serviceFunction, exposeFunction, type ServiceFunction } from '../runtime/service-functions.ts';
export { withServices } from './with-services.ts';
export { instanceHandle, InstanceHandle } from './handles.ts';
export type { InstanceRef } from './instance-ref.ts';

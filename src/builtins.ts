// cowloop's own components, registered in the global registry by type name: the one place
// built-ins are registered (the areas that define them register nothing on import). The
// public entry (src/index.ts) calls registerBuiltins once, so `import 'cowloop'` (and the
// cowloop command, which loads the entry) sees every type below.
import { EventLoopMgr } from './evtloop/event-loop-mgr.js';
import { MpEventLoopMgr } from './evtloop/mp-event-loop-mgr.js';
import { ApplicationMgr } from './framework/application-mgr.js';
import { CounterSelector } from './framework/event-selector.js';
import type { ComponentRegistry } from './framework/registry.js';
import { Sequence } from './framework/sequence.js';
import { EventStoreSvc } from './framework/services/event-store-svc.js';
import { HistogramSvc } from './framework/services/histogram-svc.js';
import { MessageSvc } from './framework/services/message-svc.js';
import { RandomSvc } from './framework/services/random-svc.js';
import { EventSelector } from './io/components/event-selector.js';
import { OutputStream } from './io/components/output-stream.js';

export function registerBuiltins(registry: ComponentRegistry): void {
  registry.registerAll([ApplicationMgr, MessageSvc, HistogramSvc, RandomSvc, EventStoreSvc, Sequence, CounterSelector, EventLoopMgr, MpEventLoopMgr]);
  // The short name Gaudi users expect for the transient store.
  registry.register('EventStore', EventStoreSvc);
  registry.register(EventSelector).register(OutputStream);
}

// cowloop's own components, registered in the global registry by type name.
import { EventLoopMgr } from '../evtloop/event-loop-mgr.js';
import { MpEventLoopMgr } from '../evtloop/mp-event-loop-mgr.js';
import { ApplicationMgr } from './application-mgr.js';
import { CounterSelector } from './event-selector.js';
import type { ComponentRegistry } from './registry.js';
import { Sequence } from './sequence.js';
import { EventStoreSvc } from './services/event-store-svc.js';
import { HistogramSvc } from './services/histogram-svc.js';
import { MessageSvc } from './services/message-svc.js';
import { RandomSvc } from './services/random-svc.js';

export function registerBuiltins(registry: ComponentRegistry): void {
  registry.registerAll([ApplicationMgr, MessageSvc, HistogramSvc, RandomSvc, EventStoreSvc, Sequence, CounterSelector, EventLoopMgr, MpEventLoopMgr]);
  // The short name Gaudi users expect for the transient store.
  registry.register('EventStore', EventStoreSvc);
}

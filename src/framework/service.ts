// A Service is a component created once per application and found by instance name
// (`this.service<HistogramSvc>('HistogramSvc')`). Services are created on first use,
// initialised in creation order and finalised in reverse order.
import { Component } from './component.js';

export abstract class Service extends Component {}

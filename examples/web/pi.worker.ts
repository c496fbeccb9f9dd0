// The worker script of the web example: bundlers see `new Worker(new URL('./pi.worker.js', import.meta.url))` in
// main.ts and this file as its own entry point; it only has to expose the class the pool instantiates.
import { expose } from '../../lib/worker.ts';
import { PiEstimator } from '../models/pi-estimator.ts';

expose(PiEstimator);

// The worker script of the README's factory snippet.
import { expose } from 'objectproxypool/worker';
import { Model } from './model.js';

expose(Model);

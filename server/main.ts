#!/usr/bin/env node
/** Process entry point (`npm start`, the container's CMD). */
import { runServer } from './run';

void runServer();

/**
 * The tracing row's OTLP receiver in its own process, as a collector (a sidecar) would be: it parses every exported
 * batch on its own event loop, not on the load generator's. Sends its URL to the parent; ends with it.
 */
import { startOtlpReceiver } from '../stack/otlpReceiver';

void startOtlpReceiver().then((receiver) => {
  process.send?.(receiver.url);
  process.once('disconnect', () => void receiver.close().then(() => process.exit(0)));
});

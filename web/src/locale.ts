/**
 * Imported first by main.ts, before uPlot (whose module formats numbers in `navigator.language`
 * when it loads): a browser whose language is not a valid BCP 47 tag (WebKitGTK under the C
 * locale says "C", as in the desktop app started with LANG=C.UTF-8) would throw a RangeError there
 * and leave the page at "Loading the dashboard…". Such a language reads as en-US.
 */
function validTag(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== 'undefined' && !validTag(navigator.language)) {
  Object.defineProperty(navigator, 'language', { value: 'en-US', configurable: true });
  Object.defineProperty(navigator, 'languages', { value: ['en-US'], configurable: true });
}

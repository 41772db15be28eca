/** The tracker the browser suites' pages create (`window.tracker`). */
declare const tracker: import('../../src/index.js').Tracker

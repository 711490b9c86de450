/**
 * JavaScript run inside the sandbox before the user's script (its own file, so the user's line
 * numbers are untouched). It gives each device global its `name`, `driver` and `capabilities`,
 * makes a call to a method the device does not have a clear error naming the device and what it
 * can do, and defines the plans over the hidden `__plans` host functions, passing devices by name.
 */
export const SCRIPT_PRELUDE = String.raw`
(function () {
  'use strict';
  var infos = globalThis.__daq_devices || {};
  var passThrough = { toJSON: 1, then: 1, constructor: 1, valueOf: 1, toString: 1, name: 1, driver: 1, capabilities: 1, has: 1 };
  Object.keys(infos).forEach(function (name) {
    var info = infos[name];
    var target = globalThis[name] || {};
    Object.defineProperty(target, 'name', { value: name });
    Object.defineProperty(target, 'driver', { value: info.driver });
    Object.defineProperty(target, 'capabilities', { value: info.capabilities.slice() });
    Object.defineProperty(target, 'has', { value: function (capability) { return info.capabilities.indexOf(capability) >= 0; } });
    globalThis[name] = new Proxy(target, {
      get: function (t, key) {
        if (typeof key !== 'string' || key in t || passThrough[key]) return t[key];
        throw new TypeError(name + ' (' + info.driver + ') has no method "' + key + '": it is ' +
          info.capabilities.join(', ') + '; its methods are ' + info.methods.join(', '));
      },
      set: function () { throw new TypeError(name + ' is a device: its properties cannot be changed'); },
    });
  });
  delete globalThis.__daq_devices;
  var plans = globalThis.__plans;
  delete globalThis.__plans;
  function nameOf(device, plan, what) {
    if (device && typeof device.name === 'string' && infos[device.name]) return device.name;
    throw new TypeError(plan + ': ' + what + ' must be a device of the lab, such as ' + (Object.keys(infos)[0] || 'stage'));
  }
  function namesOf(devices, plan) {
    var list = Array.isArray(devices) ? devices : [devices];
    return list.map(function (d) { return nameOf(d, plan, 'each detector'); });
  }
  // A device read the daemon makes for record() while the script goes on (record-reads.ts).
  var readLater = globalThis.__daq_read_later;
  delete globalThis.__daq_read_later;
  var reads = 0;
  Object.defineProperty(globalThis, '__daq_later', {
    value: function (device, method) { reads += 1; readLater(reads, device, method); return { __daq_pending: reads }; },
  });
  // Tags a value read from a device for record() (see record-rewrite.ts); never seen by the script itself.
  Object.defineProperty(globalThis, '__daq_sourced', {
    value: function (value, device, method) { return { __daq_sourced: true, value: value, device: device, method: method }; },
  });
  globalThis.lineScan = function (motor, detectors, options) {
    return plans.lineScan(nameOf(motor, 'lineScan', 'the motor'), namesOf(detectors, 'lineScan'), options);
  };
  globalThis.listScan = function (motor, detectors, options) {
    return plans.listScan(nameOf(motor, 'listScan', 'the motor'), namesOf(detectors, 'listScan'), options);
  };
  globalThis.gridScan = function (outer, inner, detectors, options) {
    return plans.gridScan(nameOf(outer, 'gridScan', 'the outer motor'), nameOf(inner, 'gridScan', 'the inner motor'), namesOf(detectors, 'gridScan'), options);
  };
  globalThis.count = function (detectors, options) {
    return plans.count(namesOf(detectors, 'count'), options || { num: 1 });
  };
})();
`;

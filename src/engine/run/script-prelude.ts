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
    // laser.wavelength, laser.setWavelength: a plan's axis (the settable quantity they name)
    (info.axes || []).forEach(function (method) {
      if (typeof target[method] === 'function') Object.defineProperty(target[method], '__daq_axis', { value: name + '.' + method });
    });
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
  function axisOf(axis, plan, what) {
    if (typeof axis === 'function' && typeof axis.__daq_axis === 'string') return axis.__daq_axis;
    if (axis && typeof axis.name === 'string' && infos[axis.name]) return axis.name;
    throw new TypeError(plan + ': ' + what + ' must be a device of the lab or a quantity it can set, such as ' +
      (Object.keys(infos)[0] || 'stage') + ' or laser.wavelength');
  }
  function spansOf(spans, plan) {
    if (!Array.isArray(spans)) throw new TypeError(plan + ': axes must be an array such as [{axis: stage, start: 0, stop: 1, num: 11}]');
    return spans.map(function (span, k) {
      if (span === null || typeof span !== 'object') throw new TypeError(plan + ': axes[' + k + '] must be an object such as {axis: stage, start: 0, stop: 1}');
      var copy = {};
      Object.keys(span).forEach(function (key) { copy[key] = span[key]; });
      copy.axis = axisOf(span.axis, plan, 'axes[' + k + '].axis');
      return copy;
    });
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
  // ... made when the daemon takes the record (nothing else in the record calls anything): no host call here
  Object.defineProperty(globalThis, '__daq_read_in', {
    value: function (device, method) { return { __daq_read: device, __daq_method: method }; },
  });
  // Tags a value read from a device for record() (see record-rewrite.ts); never seen by the script itself.
  Object.defineProperty(globalThis, '__daq_sourced', {
    value: function (value, device, method) { return { __daq_sourced: true, value: value, device: device, method: method }; },
  });
  // A plan's points come packed by column (packed-points.ts): the array the script gets builds
  // each point when it is first read and keeps it (so a point can be changed like any object).
  function cell(column, i) { return Array.isArray(column) ? column[i] : column.c; }
  function unpack(packed) {
    if (packed === null || typeof packed !== 'object' || typeof packed.__daq_points !== 'number') return packed;
    var n = packed.__daq_points;
    var motors = Object.keys(packed.targets);
    var detectors = Object.keys(packed.readings);
    function point(i) {
      var p = { index: i, targets: {}, positions: {}, readings: {} };
      motors.forEach(function (m) { p.targets[m] = cell(packed.targets[m], i); p.positions[m] = cell(packed.positions[m], i); });
      detectors.forEach(function (d) {
        var columns = packed.readings[d];
        if (Array.isArray(columns)) { p.readings[d] = columns[i]; return; }
        var reading = {};
        Object.keys(columns).forEach(function (field) { reading[field] = cell(columns[field], i); });
        p.readings[d] = reading;
      });
      return p;
    }
    function indexOf(key) {
      if (typeof key !== 'string') return -1;
      var i = Number(key);
      return key !== '' && i >= 0 && i < n && String(i) === key && Math.floor(i) === i ? i : -1;
    }
    var has = Object.prototype.hasOwnProperty;
    function built(t, key, i) {
      if (!has.call(t, key)) t[i] = point(i);
      return t[i];
    }
    return new Proxy(new Array(n), {
      get: function (t, key, receiver) {
        var i = indexOf(key);
        return i >= 0 ? built(t, key, i) : Reflect.get(t, key, receiver);
      },
      has: function (t, key) { return indexOf(key) >= 0 || Reflect.has(t, key); },
      getOwnPropertyDescriptor: function (t, key) {
        var i = indexOf(key);
        if (i >= 0) built(t, key, i);
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
      ownKeys: function (t) {
        for (var i = 0; i < n; i++) built(t, String(i), i);
        return Reflect.ownKeys(t);
      },
    });
  }
  // Devices named in a plan's options (stopWhen's device, adaptiveScan's detector) cross by
  // name, like the plan's own devices: a device global does not survive the trip as JSON.
  function optionDevice(value) {
    return value && typeof value === 'object' && typeof value.name === 'string' && infos[value.name] ? value.name : value;
  }
  function withDeviceNames(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return options;
    var out = Object.assign({}, options);
    if ('detector' in out) out.detector = optionDevice(out.detector);
    var named = function (c) { return c && typeof c === 'object' && !Array.isArray(c) ? Object.assign({}, c, { device: optionDevice(c.device) }) : c; };
    if (Array.isArray(out.stopWhen)) out.stopWhen = out.stopWhen.map(named);
    else if (out.stopWhen !== undefined) out.stopWhen = named(out.stopWhen);
    return out;
  }
  globalThis.adaptiveScan = function (axis, detectors, options) {
    return unpack(plans.adaptiveScan(axisOf(axis, 'adaptiveScan', 'the axis'), namesOf(detectors, 'adaptiveScan'), withDeviceNames(options)));
  };
  globalThis.lineScan = function (axis, detectors, options) {
    return unpack(plans.lineScan(axisOf(axis, 'lineScan', 'the axis'), namesOf(detectors, 'lineScan'), withDeviceNames(options)));
  };
  globalThis.listScan = function (axis, detectors, options) {
    return unpack(plans.listScan(axisOf(axis, 'listScan', 'the axis'), namesOf(detectors, 'listScan'), withDeviceNames(options)));
  };
  globalThis.gridScan = function (outer, inner, detectors, options) {
    return unpack(plans.gridScan(axisOf(outer, 'gridScan', 'the outer axis'), axisOf(inner, 'gridScan', 'the inner axis'), namesOf(detectors, 'gridScan'), withDeviceNames(options)));
  };
  globalThis.productScan = function (axes, detectors, options) {
    return unpack(plans.productScan(spansOf(axes, 'productScan'), namesOf(detectors, 'productScan'), withDeviceNames(options || {})));
  };
  globalThis.innerScan = function (axes, detectors, options) {
    return unpack(plans.innerScan(spansOf(axes, 'innerScan'), namesOf(detectors, 'innerScan'), withDeviceNames(options)));
  };
  globalThis.flyScan = function (motor, detectors, options) {
    return unpack(plans.flyScan(nameOf(motor, 'flyScan', 'the motor'), namesOf(detectors, 'flyScan'), options));
  };
  // Suspenders (suspenders.ts): a condition that holds the run; a step taken again when one began during it.
  var suspendWhen = globalThis.__daq_suspend_when, stepStart = globalThis.__daq_step_start, stepEnd = globalThis.__daq_step_end;
  var removeSuspender = globalThis.__daq_suspender_remove;
  delete globalThis.__daq_suspender_remove;
  delete globalThis.__daq_suspend_when;
  delete globalThis.__daq_step_start;
  delete globalThis.__daq_step_end;
  globalThis.suspendWhen = function (device, condition) {
    var id = suspendWhen(nameOf(device, 'suspendWhen', 'the device watched'), condition);
    return Object.freeze({ remove: function () { removeSuspender(id); } });
  };
  globalThis.retakeIfSuspended = function (step) {
    if (typeof step !== 'function') throw new TypeError('retakeIfSuspended(step): step must be a function, such as () => power_meter.read()');
    for (;;) {
      var mark = stepStart();
      var result = step();
      if (!stepEnd(mark)) return result;
    }
  };
  globalThis.count = function (detectors, options) {
    return unpack(plans.count(namesOf(detectors, 'count'), withDeviceNames(options || { num: 1 })));
  };
})();
`;

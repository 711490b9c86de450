/**
 * Layer rules of ts-daq, checked on every `make test` (npm run lint).
 * The core (core, capabilities, devices, engine, data) knows nothing of transports to users
 * (api, cli, cluster, web); drivers never reach up into the engine; runtime code never imports tests.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-transport-free',
      comment: 'capabilities, devices, engine, data and scripting never import api, cli, cluster or web',
      severity: 'error',
      from: { path: '^src/(core|capabilities|devices|engine|data|scripting|drivers|transports)/' },
      to: { path: '^(src/(api|cli|cluster)/|web/)' },
    },
    {
      name: 'cluster-beside-the-api',
      comment: 'src/cluster (NATS) is a transport layer beside src/api: it uses the core, and the api and cli wire it in, never the other way',
      severity: 'error',
      from: { path: '^src/cluster/' },
      to: { path: '^(src/(api|cli)/|web/)' },
    },
    {
      name: 'core-primitives-import-nothing',
      comment: 'src/core holds errors, clock and events; it depends on no other layer',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'capabilities-are-leaf',
      comment: 'capabilities are interfaces, the bottom layer; they know no devices, drivers or engine',
      severity: 'error',
      from: { path: '^src/capabilities/' },
      to: { path: '^src/(conformance|devices|drivers|engine|data|scripting|transports)/' },
    },
    {
      name: 'conformance-tests-devices-only',
      comment: 'the capability conformance suites (src/conformance) sit above devices: they test a Device through its capabilities, nothing of the engine, data or transports',
      severity: 'error',
      from: { path: '^src/conformance/' },
      to: { path: '^src/(drivers|engine|data|scripting|transports|api|cli)/' },
    },
    {
      name: 'devices-do-not-know-drivers',
      comment: 'the lab receives the driver catalog as an argument (src/drivers/index.ts composes it)',
      severity: 'error',
      from: { path: '^src/devices/' },
      to: { path: '^src/(drivers|engine|data|scripting)/' },
    },
    {
      name: 'drivers-below-engine',
      comment: 'drivers talk to instruments; runs and data are above them',
      severity: 'error',
      from: { path: '^src/(drivers|transports)/' },
      to: { path: '^src/(engine|data|scripting)/' },
    },
    {
      name: 'no-test-code-in-runtime',
      comment: 'runtime code never imports tests, conformance suites or test frameworks',
      severity: 'error',
      from: { path: '^src/', pathNot: '(\\.(test|conformance|type-test|fixture)\\.ts$|/conformance/)' },
      to: { path: '(\\.(test|conformance|type-test|fixture)\\.ts$|/conformance/|node_modules/(vitest|@vitest)/)' },
    },
    {
      name: 'transports-know-no-devices',
      comment: 'transports carry bytes; drivers use them, never the other way (only core below them)',
      severity: 'error',
      from: { path: '^src/transports/' },
      to: { path: '^src/(capabilities|devices|drivers)/' },
    },
    {
      name: 'only-drivers-use-transports',
      comment: 'transports are reached through drivers; the core layers above never open ports themselves',
      severity: 'error',
      from: { path: '^src/(capabilities|devices|engine|data|scripting)/' },
      to: { path: '^src/transports/' },
    },
    {
      name: 'web-talks-through-the-api',
      comment: 'the dashboard (web/) uses the daemon only through the API: of src/ it imports the generated code and the formatter people read values through (src/core/format, which imports nothing)',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/(api/gen|core/format)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};

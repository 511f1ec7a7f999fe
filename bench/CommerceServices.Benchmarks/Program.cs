using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// bench/gateway.sh and bench/connector.sh run these in process and read BenchmarkDotNet's JSON report. A quick run
// (BENCH_QUICK=1, the test command's) may use a Debug build of the referenced projects: its figures are not used.
var quick = Environment.GetEnvironmentVariable("BENCH_QUICK") == "1";
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
    .Run(args, quick ? DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator) : null);

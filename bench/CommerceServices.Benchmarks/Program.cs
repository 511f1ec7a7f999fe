using BenchmarkDotNet.Running;

// bench/micro.sh runs these (all, or a filter) in Release and reads BenchmarkDotNet's JSON report.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

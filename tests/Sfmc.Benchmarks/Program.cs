using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Sfmc.Benchmarks.GeneratorBenchmarks).Assembly).Run(args);

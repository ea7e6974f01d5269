using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --paired-read   (SOAP readers alternately, see SoapSerializerBenchmarks)
if (args is ["--paired-read"])
{
    Sfmc.Benchmarks.SoapSerializerBenchmarks.RunPairedRead(System.Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Sfmc.Benchmarks.GeneratorBenchmarks).Assembly).Run(args);

using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --paired-read   (SOAP readers alternately, see SoapSerializerBenchmarks)
if (args is ["--paired-read"])
{
    Sfmc.Benchmarks.SoapSerializerBenchmarks.RunPairedRead(System.Console.Out);
    return;
}

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --paired-write   (row writer vs System.Text.Json alternately, see RowWriterBenchmarks)
if (args is ["--paired-write"])
{
    Sfmc.Benchmarks.RowWriterBenchmarks.RunPairedWrite(System.Console.Out);
    return;
}

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --read-rows   (the DE row reader alone, see RowWriterBenchmarks.RunReadRows)
if (args is ["--read-rows"])
{
    Sfmc.Benchmarks.RowWriterBenchmarks.RunReadRows(System.Console.Out);
    return;
}

// dotnet run -c Release --project tests/Sfmc.Benchmarks -- --memory csv|upload|import   (one part of the file drop, peak working set)
if (args is ["--memory", var part])
{
    await Sfmc.Benchmarks.FileDropBenchmarks.MeasureMemoryAsync(part);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Sfmc.Benchmarks.GeneratorBenchmarks).Assembly).Run(args);

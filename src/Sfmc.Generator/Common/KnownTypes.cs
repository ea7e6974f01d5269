namespace Sfmc.Generator.Common;

/// <summary>The runtime's namespaces as generated code names them (<c>global::</c>-qualified): one place for all emitters.</summary>
internal static class KnownTypes
{
    /// <summary>The runtime: rows, clients, attributes.</summary>
    public const string Client = "global::Sfmc.Client";

    /// <summary>SOAP reading, writing and base types.</summary>
    public const string Soap = Client + ".Soap";

    /// <summary>REST models and their JSON helpers.</summary>
    public const string Rest = Client + ".Rest";
}

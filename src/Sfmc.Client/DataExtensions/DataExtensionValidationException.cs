using System;

namespace Sfmc.Client;

/// <summary>
/// A row breaks its Data Extension's schema (missing required value, string over MaxLength, …). Thrown before
/// anything is sent. The message names the DE, the field and the row (by primary key), never the value itself.
/// </summary>
public sealed class DataExtensionValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataExtensionValidationException(string dataExtensionKey, string fieldName, DataExtensionPrimaryKey primaryKey, string reason)
        : base($"Data extension '{dataExtensionKey}', field '{fieldName}', row [{primaryKey}]: {reason}")
    {
        DataExtensionKey = dataExtensionKey;
        FieldName = fieldName;
        PrimaryKey = primaryKey;
        Reason = reason;
    }

    /// <summary>The DE's customer key.</summary>
    public string DataExtensionKey { get; }

    /// <summary>The SFMC name of the offending field.</summary>
    public string FieldName { get; }

    /// <summary>The offending row's primary key.</summary>
    public DataExtensionPrimaryKey PrimaryKey { get; }

    /// <summary>What is wrong, without the value.</summary>
    public string Reason { get; }
}

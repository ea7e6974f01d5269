namespace Sfmc.Client;

/// <summary>What kind of SFMC key a string parameter takes (see <c>SfmcKeyAttribute</c>).</summary>
/// <remarks>
/// This file is compiled into the generator too (linked, internal there), so the analyzer compares the attribute's
/// argument with these very values.
/// </remarks>
#if SFMC_GENERATOR
internal
#else
public
#endif
enum SfmcKeyKind
{
    /// <summary>A Data Extension customer key (external key), declared by a <c>*.de.json</c> or mcdev file.</summary>
    DataExtension,

    /// <summary>A journey's EventDefinitionKey, declared in <c>sfmc.json</c>.</summary>
    Journey,

    /// <summary>A triggered send definition's external key, declared in <c>sfmc.json</c> (<c>triggeredSends</c>).</summary>
    TriggeredSend,

    /// <summary>A transactional email or SMS definition's key, declared in <c>sfmc.json</c> (<c>transactionalEmails</c>, <c>transactionalSms</c>).</summary>
    TransactionalMessage,

    /// <summary>A MobileConnect message id, declared in <c>sfmc.json</c> (<c>mobileConnectMessages</c>).</summary>
    MobileConnectMessage,
}

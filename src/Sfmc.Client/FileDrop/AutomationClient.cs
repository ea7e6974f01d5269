using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Client.Soap;

namespace Sfmc.Client;

/// <summary>An Automation's status as SFMC reports it (the Automation object's <c>Status</c>).</summary>
public enum SfmcAutomationStatus
{
    /// <summary>-1: the last run failed.</summary>
    Error = -1,

    /// <summary>0: the automation failed to build.</summary>
    BuildingError = 0,

    /// <summary>1: being built.</summary>
    Building = 1,

    /// <summary>2: ready to run.</summary>
    Ready = 2,

    /// <summary>3: running now.</summary>
    Running = 3,

    /// <summary>4: paused.</summary>
    Paused = 4,

    /// <summary>5: stopped.</summary>
    Stopped = 5,

    /// <summary>6: scheduled.</summary>
    Scheduled = 6,

    /// <summary>7: waiting for its trigger (a File Drop automation waiting for a file).</summary>
    AwaitingTrigger = 7,

    /// <summary>8: its trigger is inactive.</summary>
    InactiveTrigger = 8,
}

/// <summary>An Automation found by its CustomerKey.</summary>
/// <param name="CustomerKey">Its key.</param>
/// <param name="ObjectId">Its ObjectID (what Perform names).</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">Its status; null when SFMC reports a code this library does not know.</param>
/// <param name="StatusCode">The status code as SFMC sent it.</param>
public sealed record SfmcAutomation(string CustomerKey, string ObjectId, string? Name, SfmcAutomationStatus? Status, int? StatusCode);

/// <summary>
/// Automation Studio over SOAP: an automation's status, and starting one by its CustomerKey (a Retrieve for its
/// ObjectID, then Perform <c>start</c>, as sfmc-devtools starts them). Get it from <see cref="SfmcClient.Automations"/>.
/// </summary>
public sealed class AutomationClient
{
    private static readonly string[] Properties = ["ObjectID", "CustomerKey", "Name", "Status"];
    private readonly SfmcClient _client;

    internal AutomationClient(SfmcClient client) => _client = client;

    /// <summary>The automation with this CustomerKey (keys are case-sensitive).</summary>
    /// <exception cref="SfmcNotFoundException">The tenant has no automation with this key.</exception>
    public async Task<SfmcAutomation> GetAsync(string customerKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerKey);
        var found = await _client.Soap.RetrieveAsync("Automation", Properties, SoapProperty.Named<string>("CustomerKey").IsEqualTo(customerKey), null, cancellationToken)
            .FirstOrDefaultAsync(a => string.Equals(a["CustomerKey"], customerKey, StringComparison.Ordinal), cancellationToken);
        if (found?["ObjectID"] is not { Length: > 0 } objectId)
        {
            throw new SfmcNotFoundException($"No automation with CustomerKey '{customerKey}' (keys are case-sensitive).", customerKey, null);
        }

        var code = int.TryParse(found["Status"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
        var status = code is { } c && Enum.IsDefined(typeof(SfmcAutomationStatus), c) ? (SfmcAutomationStatus)c : (SfmcAutomationStatus?)null;
        return new SfmcAutomation(customerKey, objectId, found["Name"], status, code);
    }

    /// <summary>
    /// Starts the automation now (Perform <c>start</c> on its ObjectID) and returns the Perform result: its
    /// <see cref="SoapObjectResult{T}.Task"/> carries the run's task. Not retried: a second start would run it twice.
    /// </summary>
    /// <exception cref="SfmcNotFoundException">The tenant has no automation with this key.</exception>
    /// <exception cref="SfmcException">SFMC refused to start it (its message and error code).</exception>
    public async Task<SoapObjectResult<SoapUntypedObject>> StartAsync(string customerKey, CancellationToken cancellationToken = default)
    {
        var automation = await GetAsync(customerKey, cancellationToken);
        var result = await _client.Soap.PerformAsync(SoapPerformActions.Start, [new SoapUntypedObject("Automation").Set("ObjectID", automation.ObjectId)], null, cancellationToken);
        var only = result.Results.Single();
        return only.IsSuccess
            ? only
            : throw new SfmcException($"SFMC did not start automation '{customerKey}': {only.StatusMessage}", null, only.ErrorCode);
    }
}

using System.Collections.Generic;

namespace Sfmc.Generator.Soap;

/// <summary>
/// Properties a Retrieve asks for by default. The WSDL does not say which properties are retrievable (SFMC answers
/// "Error: The Request Property(s) … do not match with the fields of … retrieve" for the others), so these lists
/// come from sources that show SFMC accepting them:
/// <list type="bullet">
/// <item>Subscriber: the IsRetrievable=true properties of a recorded Describe (sfmc-sdk test resources, soap.js).</item>
/// <item>DataExtension, DataExtensionField: the properties returned by recorded Retrieve responses (sfmc-devtools
/// test resources, BU 9999999).</item>
/// <item>Tracking events: Salesforce's SentEvent/OpenEvent/ClickEvent/BounceEvent/UnsubEvent reference and the
/// "Retrieve SentEvent Details" samples.</item>
/// <item>List, TriggeredSendDefinition, EmailSendDefinition: properties Salesforce's Fuel SDK samples retrieve.</item>
/// </list>
/// Other types fall back to their simple properties; pass properties explicitly for those.
/// </summary>
internal static class SoapDefaults
{
    private static readonly string[] TrackingEvent = ["Client.ID", "SendID", "SubscriberKey", "EventDate", "EventType", "BatchID", "TriggeredSendDefinitionObjectID"];

    private static readonly Dictionary<string, string[]> Lists = new(System.StringComparer.Ordinal)
    {
        ["Subscriber"] = ["ID", "PartnerKey", "CreatedDate", "Client.ID", "Client.PartnerClientKey", "EmailAddress", "SubscriberKey", "UnsubscribedDate", "Status", "EmailTypePreference"],
        ["DataExtension"] =
        [
            "PartnerKey", "ObjectID", "CustomerKey", "Name", "Description", "CategoryID", "CreatedDate", "ModifiedDate", "IsSendable", "IsTestable",
            "SendableDataExtensionField.Name", "SendableSubscriberField.Name", "DataRetentionPeriodLength", "DataRetentionPeriodUnitOfMeasure",
            "RowBasedRetention", "ResetRetentionPeriodOnImport", "DeleteAtEndOfRetentionPeriod", "RetainUntil",
        ],
        ["DataExtensionField"] =
        [
            "PartnerKey", "ObjectID", "CustomerKey", "Name", "DataExtension.CustomerKey", "DefaultValue", "FieldType", "IsPrimaryKey", "IsRequired",
            "MaxLength", "Ordinal", "Scale",
        ],
        ["SentEvent"] = [.. TrackingEvent, "ListID"],
        ["OpenEvent"] = TrackingEvent,
        ["ClickEvent"] = [.. TrackingEvent, "URL", "URLID"],
        ["BounceEvent"] = [.. TrackingEvent, "BounceCategory", "BounceType", "SMTPCode", "SMTPReason"],
        ["UnsubEvent"] = TrackingEvent,
        ["List"] = ["ID", "ObjectID", "PartnerKey", "CreatedDate", "ModifiedDate", "Client.ID", "ListName", "Description", "Category", "Type", "CustomerKey", "ListClassification"],
        ["TriggeredSendDefinition"] =
        [
            "ObjectID", "PartnerKey", "CustomerKey", "Name", "Description", "CreatedDate", "ModifiedDate", "Client.ID", "CategoryID", "TriggeredSendStatus",
            "Email.ID", "List.ID", "SendClassification.CustomerKey", "SenderProfile.CustomerKey", "DeliveryProfile.CustomerKey", "BccEmail",
            "AutoAddSubscribers", "AutoUpdateSubscribers", "Priority",
        ],
        ["EmailSendDefinition"] =
        [
            "ObjectID", "PartnerKey", "CustomerKey", "Name", "Description", "CreatedDate", "ModifiedDate", "Client.ID", "CategoryID", "Email.ID",
            "SendClassification.CustomerKey", "SenderProfile.CustomerKey", "DeliveryProfile.CustomerKey",
        ],
    };

    public static string[]? For(string typeName) => Lists.TryGetValue(typeName, out var list) ? list : null;
}

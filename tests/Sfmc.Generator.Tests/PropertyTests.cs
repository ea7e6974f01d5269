using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.CodeAnalysis;

namespace Sfmc.Generator.Tests;

/// <summary>Random valid schemas compile without warnings; random damage to a schema never crashes the generator.</summary>
public sealed class PropertyTests
{
    private static readonly string[] Types = { "Text", "Number", "Decimal", "Date", "Boolean", "EmailAddress", "Phone", "Locale" };

    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.éß";

    [Property(MaxTest = 25)]
    public Property Random_valid_schemas_generate_code_that_compiles_without_warnings() =>
        Prop.ForAll(ValidSchema().ToArbitrary(), json =>
        {
            var (_, output, diagnostics) = GeneratorHarness.Run(new[] { GeneratorHarness.File("/project/Random.de.json", json) });
            var problems = diagnostics.Concat(GeneratorHarness.Problems(output)).ToList();
            if (problems.Count > 0)
            {
                return false.ToProperty().Label(string.Join("\n", problems) + "\n" + json);
            }

            // Every field became its own member: the row's Fields constants are exactly the declared names, one each
            // (checked on the compiled symbols, so no naming rule of the generator is assumed here).
            var declared = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToList();
            var row = output.GlobalNamespace.GetNamespaceMembers().Single(n => n.Name == "Contoso").GetNamespaceMembers().Single(n => n.Name == "DataExtensions").GetTypeMembers().Single();
            var constants = row.GetTypeMembers("Fields").Single().GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst).Select(f => (string)f.ConstantValue!).ToList();
            return constants.Order(StringComparer.Ordinal).SequenceEqual(declared.Order(StringComparer.Ordinal))
                ? true.ToProperty()
                : false.ToProperty().Label($"Fields constants [{string.Join(", ", constants)}] are not the declared names [{string.Join(", ", declared)}]\n{json}");
        });

    [Property(MaxTest = 300)]
    public Property Damaged_schemas_never_make_the_generator_throw() =>
        Prop.ForAll(DamagedSchema().ToArbitrary(), json =>
        {
            var (_, _, diagnostics) = GeneratorHarness.Run(new[] { GeneratorHarness.File("/project/Damaged.de.json", json) });
            var crash = diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "SFMC0003");
            return crash is null ? true.ToProperty() : false.ToProperty().Label(crash + "\n" + json);
        });

    private static Gen<string> Name(int maxLength) =>
        from first in Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".ToCharArray())
        from length in Gen.Choose(0, maxLength - 1)
        from rest in Gen.ArrayOf(Gen.Elements(NameChars.ToCharArray()), length)
        select first + new string(rest);

    private static Gen<string> Field(int index) =>
        // "n<index>x " makes every name, and every identifier made from it, distinct whatever the random rest is (the
        // digits of the index end at the 'x'), and never a reserved member: valid by construction, not by filtering
        // through the generator's own naming code.
        from rest in Name(20)
        let name = "n" + index.ToString(CultureInfo.InvariantCulture) + "x " + rest
        from type in Gen.Elements(Types)
        from isKey in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        from isRequired in Gen.Elements(true, false)
        from length in Gen.Choose(1, 4000)
        from precision in Gen.Choose(1, 29)
        from scaleSeed in Gen.Choose(0, 29)
        from withDefault in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        select FieldJson(name, type, isKey && type != "Date", isRequired, length, precision, scaleSeed % (precision + 1), withDefault);

    private static string FieldJson(string name, string type, bool isKey, bool isRequired, int length, int precision, int scale, bool withDefault)
    {
        var builder = new StringBuilder();
        builder.Append("{ \"name\": ").Append(Quote(name)).Append(", \"fieldType\": \"").Append(type).Append('"');
        switch (type)
        {
            case "Text":
            case "Phone":
            case "Locale":
                builder.Append(", \"maxLength\": ").Append(length.ToString(CultureInfo.InvariantCulture));
                break;
            case "EmailAddress":
                builder.Append(", \"maxLength\": ").Append((1 + (length % 254)).ToString(CultureInfo.InvariantCulture));
                break;
            case "Decimal":
                builder.Append(", \"maxLength\": ").Append(precision.ToString(CultureInfo.InvariantCulture))
                    .Append(", \"scale\": ").Append(scale.ToString(CultureInfo.InvariantCulture));
                break;
        }

        builder.Append(", \"isPrimaryKey\": ").Append(isKey ? "true" : "false");
        builder.Append(", \"isRequired\": ").Append(isKey || isRequired ? "true" : "false");
        if (withDefault && !isKey)
        {
            var value = type switch { "Number" => "42", "Decimal" => "0", "Boolean" => "false", "Date" => "GetDate()", _ => "n/a" };
            builder.Append(", \"defaultValue\": \"").Append(value).Append('"');
        }

        return builder.Append(" }").ToString();
    }

    private static Gen<string> ValidSchema() =>
        from rest in Name(30)
        let deName = "De " + rest
        from count in Gen.Choose(1, 30)
        from fields in Gen.CollectToList(Enumerable.Range(0, count).Select(Field))
        select SchemaJson(deName, fields.ToList());

    private static string SchemaJson(string deName, List<string> fieldJsons) =>
        "{ \"customerKey\": " + Quote(deName.Length > 36 ? deName.Substring(0, 36) : deName) + ", \"name\": " + Quote(deName)
            + ", \"fields\": [\n  " + string.Join(",\n  ", fieldJsons) + "\n] }";

    private static Gen<string> DamagedSchema()
    {
        var bases = new[]
        {
            System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.TestData, "DataExtensions", "OrderLines.de.json")),
            System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.TestData, "DataExtensions", "Customers.de.json")),
            System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.TestData, "mcdev", "testExisting_dataExtension.dataExtension-meta.json")),
        };
        return from text in Gen.Elements(bases)
               from count in Gen.Choose(1, 4)
               from edits in Gen.ArrayOf(Edit(), count)
               select edits.Aggregate(text, (current, edit) => edit(current));
    }

    private static readonly string[] Junk = { "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u12", "0", "-1", "99999999999", "true", "null", "\"Text\"", "\"Decimal\"", "\n", "é", "\uFEFF", "//", "\"isPrimaryKey\": true" };

    private static Gen<Func<string, string>> Edit() =>
        from kind in Gen.Choose(0, 3)
        from position in Gen.Choose(0, 100_000)
        from length in Gen.Choose(1, 40)
        from junk in Gen.Elements(Junk)
        select (Func<string, string>)(text =>
        {
            if (text.Length == 0)
            {
                return junk;
            }

            var at = position % text.Length;
            var span = Math.Min(length, text.Length - at);
            return kind switch
            {
                0 => text.Remove(at, span),
                1 => text.Insert(at, junk),
                2 => text.Remove(at, span).Insert(at, junk),
                _ => text.Insert(at, text.Substring(at, span)),
            };
        });

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}

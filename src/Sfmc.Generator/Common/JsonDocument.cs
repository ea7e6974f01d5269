using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Sfmc.Generator.Common;

internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A parsed JSON value that remembers where it stands in the file, so diagnostics can point at the token.
/// Hand-written (no System.Text.Json) so the generator has no dependency to bundle and works on any host.
/// </summary>
internal sealed class JsonNode
{
    private JsonNode(JsonKind kind, TextSpan span)
    {
        Kind = kind;
        Span = span;
    }

    public JsonKind Kind { get; }

    /// <summary>The span of the whole value.</summary>
    public TextSpan Span { get; private set; }

    /// <summary>String content, or the raw text of a number.</summary>
    public string? Text { get; private set; }

    public List<JsonProperty>? Properties { get; private set; }

    public List<JsonNode>? Items { get; private set; }

    public bool IsString => Kind == JsonKind.String;

    public bool IsBoolean => Kind is JsonKind.True or JsonKind.False;

    public static JsonNode Parse(string text) => new Parser(text).ParseDocument();

    /// <summary>Finds a property by name, ignoring case. The first match wins.</summary>
    public JsonProperty? Find(string name)
    {
        if (Properties is null)
        {
            return null;
        }

        foreach (var property in Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property;
            }
        }

        return null;
    }

    public bool TryGetInt32(out int value) =>
        int.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public override string ToString() => Kind switch
    {
        JsonKind.String => "\"" + Text + "\"",
        JsonKind.Number => Text ?? "",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    private sealed class Parser
    {
        private const int MaxDepth = 64;
        private readonly string _text;
        private int _pos;

        public Parser(string text) => _text = text;

        public JsonNode ParseDocument()
        {
            // A UTF-8 BOM survives as U+FEFF in some hosts.
            if (_pos < _text.Length && _text[_pos] == '\uFEFF')
            {
                _pos++;
            }

            SkipWhitespace();
            var value = ParseValue(0);
            SkipWhitespace();
            if (_pos < _text.Length)
            {
                throw Error("Unexpected content after the end of the JSON value", 1);
            }

            return value;
        }

        private JsonNode ParseValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error("JSON nested deeper than " + MaxDepth + " levels", 1);
            }

            if (_pos >= _text.Length)
            {
                throw Error("Unexpected end of file: a value was expected", 0);
            }

            var c = _text[_pos];
            switch (c)
            {
                case '{':
                    return ParseObject(depth);
                case '[':
                    return ParseArray(depth);
                case '"':
                    var start = _pos;
                    var s = ParseString();
                    return new JsonNode(JsonKind.String, TextSpan.FromBounds(start, _pos)) { Text = s };
                case 't':
                    return ParseLiteral("true", JsonKind.True);
                case 'f':
                    return ParseLiteral("false", JsonKind.False);
                case 'n':
                    return ParseLiteral("null", JsonKind.Null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        return ParseNumber();
                    }

                    throw Error($"Unexpected character '{c}': a value was expected", 1);
            }
        }

        private JsonNode ParseObject(int depth)
        {
            var start = _pos++;
            var properties = new List<JsonProperty>();
            SkipWhitespace();
            if (Peek() == '}')
            {
                _pos++;
                return new JsonNode(JsonKind.Object, TextSpan.FromBounds(start, _pos)) { Properties = properties };
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"')
                {
                    throw Error("A property name in double quotes was expected", 1);
                }

                var nameStart = _pos;
                var name = ParseString();
                var nameSpan = TextSpan.FromBounds(nameStart, _pos);
                SkipWhitespace();
                if (Peek() != ':')
                {
                    throw Error("':' was expected after the property name", 1);
                }

                _pos++;
                SkipWhitespace();
                var value = ParseValue(depth + 1);
                properties.Add(new JsonProperty(name, nameSpan, value));
                SkipWhitespace();
                var next = Peek();
                _pos++;
                if (next == '}')
                {
                    return new JsonNode(JsonKind.Object, TextSpan.FromBounds(start, _pos)) { Properties = properties };
                }

                if (next != ',')
                {
                    _pos--;
                    throw Error("',' or '}' was expected", next == '\0' ? 0 : 1);
                }
            }
        }

        private JsonNode ParseArray(int depth)
        {
            var start = _pos++;
            var items = new List<JsonNode>();
            SkipWhitespace();
            if (Peek() == ']')
            {
                _pos++;
                return new JsonNode(JsonKind.Array, TextSpan.FromBounds(start, _pos)) { Items = items };
            }

            while (true)
            {
                SkipWhitespace();
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                var next = Peek();
                _pos++;
                if (next == ']')
                {
                    return new JsonNode(JsonKind.Array, TextSpan.FromBounds(start, _pos)) { Items = items };
                }

                if (next != ',')
                {
                    _pos--;
                    throw Error("',' or ']' was expected", next == '\0' ? 0 : 1);
                }
            }
        }

        private string ParseString()
        {
            var start = _pos;
            _pos++; // opening quote
            StringBuilder? builder = null;
            var runStart = _pos;
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    _pos = start;
                    throw Error("Unterminated string", 1);
                }

                var c = _text[_pos];
                if (c == '"')
                {
                    var tail = _text.Substring(runStart, _pos - runStart);
                    _pos++;
                    return builder is null ? tail : builder.Append(tail).ToString();
                }

                if (c < ' ')
                {
                    throw Error("Control character in string (escape it)", 1);
                }

                if (c != '\\')
                {
                    _pos++;
                    continue;
                }

                builder ??= new StringBuilder();
                builder.Append(_text, runStart, _pos - runStart);
                _pos++;
                var e = Peek();
                switch (e)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 >= _text.Length
                            || !int.TryParse(_text.Substring(_pos + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("Invalid \\u escape", 1);
                        }

                        builder.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Error("Invalid escape sequence", 1);
                }

                _pos++;
                runStart = _pos;
            }
        }

        private JsonNode ParseNumber()
        {
            var start = _pos;
            if (Peek() == '-')
            {
                _pos++;
            }

            var digits = SkipDigits();
            if (digits == 0)
            {
                throw Error("Invalid number", 1);
            }

            if (Peek() == '.')
            {
                _pos++;
                if (SkipDigits() == 0)
                {
                    throw Error("Invalid number: digits expected after '.'", 1);
                }
            }

            if (Peek() is 'e' or 'E')
            {
                _pos++;
                if (Peek() is '+' or '-')
                {
                    _pos++;
                }

                if (SkipDigits() == 0)
                {
                    throw Error("Invalid number: digits expected in the exponent", 1);
                }
            }

            return new JsonNode(JsonKind.Number, TextSpan.FromBounds(start, _pos)) { Text = _text.Substring(start, _pos - start) };
        }

        private int SkipDigits()
        {
            var start = _pos;
            while (_pos < _text.Length && _text[_pos] >= '0' && _text[_pos] <= '9')
            {
                _pos++;
            }

            return _pos - start;
        }

        private JsonNode ParseLiteral(string literal, JsonKind kind)
        {
            if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0)
            {
                var end = _pos;
                while (end < _text.Length && char.IsLetter(_text[end]))
                {
                    end++;
                }

                throw Error($"Unexpected token '{_text.Substring(_pos, Math.Max(1, end - _pos))}'", Math.Max(1, end - _pos));
            }

            var start = _pos;
            _pos += literal.Length;
            return new JsonNode(kind, new TextSpan(start, literal.Length));
        }

        private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                if (c is ' ' or '\t' or '\r' or '\n')
                {
                    _pos++;
                }
                else if (c == '/' && _pos + 1 < _text.Length && _text[_pos + 1] == '/')
                {
                    // Editors write // comments into JSON files; tolerate them as System.Text.Json can.
                    while (_pos < _text.Length && _text[_pos] != '\n')
                    {
                        _pos++;
                    }
                }
                else
                {
                    return;
                }
            }
        }

        private JsonSyntaxException Error(string message, int length)
        {
            var start = Math.Min(_pos, _text.Length);
            var span = new TextSpan(start, Math.Min(length, _text.Length - start));
            return new JsonSyntaxException(message, span);
        }
    }
}

internal sealed class JsonProperty
{
    public JsonProperty(string name, TextSpan nameSpan, JsonNode value)
    {
        Name = name;
        NameSpan = nameSpan;
        Value = value;
    }

    public string Name { get; }

    public TextSpan NameSpan { get; }

    public JsonNode Value { get; }
}

/// <summary>Invalid JSON: a message and the span of the offending text. Caught by the parser, reported as SFMC0001.</summary>
internal sealed class JsonSyntaxException : Exception
{
    public JsonSyntaxException(string message, TextSpan span)
        : base(message) => Span = span;

    public TextSpan Span { get; }
}

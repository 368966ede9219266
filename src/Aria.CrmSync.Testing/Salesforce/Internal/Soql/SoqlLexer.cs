using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Testing.Salesforce.Soql;

/// <summary>A SOQL error: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR….</summary>
internal sealed class SoqlException : Exception
{
    public SoqlException(string code, string message, int position = -1)
        : base(message)
    {
        Code = code;
        Position = position;
    }

    public SoqlException()
        : this("MALFORMED_QUERY", "malformed query")
    {
    }

    public SoqlException(string message)
        : this("MALFORMED_QUERY", message)
    {
    }

    public SoqlException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "MALFORMED_QUERY";
        Position = -1;
    }

    public string Code { get; }

    public int Position { get; }

    /// <summary>Formats the message the way Salesforce does, with the query line, a caret and the row/column.</summary>
    public string Format(string query)
    {
        if (Position < 0)
        {
            return Message;
        }

        var position = Math.Min(Position, query.Length);
        var lineStart = query.LastIndexOf('\n', Math.Max(0, position - 1)) + 1;
        if (position == 0)
        {
            lineStart = 0;
        }

        var lineEnd = query.IndexOf('\n', position);
        var line = query[lineStart..(lineEnd < 0 ? query.Length : lineEnd)].TrimEnd('\r');
        var row = query[..lineStart].Count(c => c == '\n') + 1;
        var column = position - lineStart + 1;
        return $"\n{line}\n{new string(' ', column - 1)}^\nERROR at Row:{row}:Column:{column}\n{Message}";
    }
}

internal enum SoqlTokenKind
{
    Identifier,
    String,
    Number,
    DateTime,
    Date,
    LeftParen,
    RightParen,
    Comma,
    Dot,
    Colon,
    Operator,
    End,
}

/// <summary>A token; string literals carry their unescaped value and a LIKE pattern that keeps escaped wildcards literal.</summary>
internal sealed record SoqlToken(SoqlTokenKind Kind, string Text, int Position, object? Value = null, string? LikePattern = null)
{
    public bool Is(string keyword) => Kind == SoqlTokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public string Display => Kind == SoqlTokenKind.End ? "<EOF>" : Text;
}

/// <summary>Splits SOQL text into tokens, applying the string-literal escape rules.</summary>
internal static class SoqlLexer
{
    public static List<SoqlToken> Tokenize(string text)
    {
        var tokens = new List<SoqlToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            switch (c)
            {
                case '(':
                    tokens.Add(new SoqlToken(SoqlTokenKind.LeftParen, "(", i++));
                    continue;
                case ')':
                    tokens.Add(new SoqlToken(SoqlTokenKind.RightParen, ")", i++));
                    continue;
                case ',':
                    tokens.Add(new SoqlToken(SoqlTokenKind.Comma, ",", i++));
                    continue;
                case '.':
                    tokens.Add(new SoqlToken(SoqlTokenKind.Dot, ".", i++));
                    continue;
                case ':':
                    tokens.Add(new SoqlToken(SoqlTokenKind.Colon, ":", i++));
                    continue;
                case '=':
                    tokens.Add(new SoqlToken(SoqlTokenKind.Operator, "=", i++));
                    continue;
                case '!':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        tokens.Add(new SoqlToken(SoqlTokenKind.Operator, "!=", i));
                        i += 2;
                        continue;
                    }

                    throw Unexpected(text, i);
                case '<':
                case '>':
                    if (i + 1 < text.Length && (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>')))
                    {
                        var op = text.Substring(i, 2);
                        tokens.Add(new SoqlToken(SoqlTokenKind.Operator, op == "<>" ? "!=" : op, i));
                        i += 2;
                        continue;
                    }

                    tokens.Add(new SoqlToken(SoqlTokenKind.Operator, c.ToString(), i++));
                    continue;
                case '\'':
                    tokens.Add(ReadString(text, ref i));
                    continue;
            }

            if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || text[i + 1] == '.')))
            {
                tokens.Add(ReadNumberOrDate(text, ref i));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new SoqlToken(SoqlTokenKind.Identifier, text[start..i], start));
                continue;
            }

            throw Unexpected(text, i);
        }

        tokens.Add(new SoqlToken(SoqlTokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static SoqlException Unexpected(string text, int i)
        => new("MALFORMED_QUERY", $"line 1:{i} no viable alternative at character '{text[i]}'", i);

    private static SoqlToken ReadString(string text, ref int i)
    {
        var start = i;
        i++;
        var value = new StringBuilder();
        var like = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                throw new SoqlException("MALFORMED_QUERY", $"line 1:{start} mismatched character '<EOF>' expecting '''", start);
            }

            var c = text[i];
            if (c == '\'')
            {
                i++;
                break;
            }

            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    throw new SoqlException("MALFORMED_QUERY", $"line 1:{start} mismatched character '<EOF>' expecting '''", start);
                }

                var e = text[i + 1];
                char? plain = e switch
                {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\b',
                    'f' => '\f',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    _ => null,
                };
                if (plain is { } p)
                {
                    value.Append(p);
                    like.Append(LikeLiteral(p));
                    i += 2;
                    continue;
                }

                if (e is '_' or '%')
                {
                    value.Append(e);
                    like.Append(LikeLiteral(e));
                    i += 2;
                    continue;
                }

                if (e == 'u' && i + 5 < text.Length && int.TryParse(text.AsSpan(i + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                {
                    value.Append((char)code);
                    like.Append(LikeLiteral((char)code));
                    i += 6;
                    continue;
                }

                var literal = text[start..Math.Min(text.Length, Math.Max(i + 2, text.IndexOf('\'', i + 2) + 1))];
                throw new SoqlException("MALFORMED_QUERY", $"Invalid string literal {literal}. Illegal character sequence '\\{e}' in string literal.", start);
            }

            value.Append(c);
            like.Append(c switch
            {
                '%' => ".*",
                '_' => ".",
                _ => LikeLiteral(c),
            });
            i++;
        }

        return new SoqlToken(SoqlTokenKind.String, text[start..i], start, value.ToString(), "^" + like + "$");
    }

    private static string LikeLiteral(char c) => System.Text.RegularExpressions.Regex.Escape(c.ToString());

    private static SoqlToken ReadNumberOrDate(string text, ref int i)
    {
        var start = i;

        // yyyy-MM-dd[THH:mm:ss[.fff](Z|+hh:mm|+hhmm)]
        if (i + 10 <= text.Length && IsDigits(text, i, 4) && text[i + 4] == '-' && IsDigits(text, i + 5, 2) && text[i + 7] == '-' && IsDigits(text, i + 8, 2))
        {
            i += 10;
            var datePart = text[start..i];
            if (!DateOnly.TryParseExact(datePart, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new SoqlException("MALFORMED_QUERY", $"line 1:{start} no viable alternative at character '{datePart}'", start);
            }

            if (i < text.Length && text[i] == 'T')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is ':' or '.' or '+' or '-'))
                {
                    i++;
                }

                var literal = text[start..i];
                if (!TryDateTime(literal, out var dto))
                {
                    throw new SoqlException("MALFORMED_QUERY", $"line 1:{start} no viable alternative at character '{literal}'", start);
                }

                return new SoqlToken(SoqlTokenKind.DateTime, literal, start, dto);
            }

            if (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == ':'))
            {
                throw new SoqlException("MALFORMED_QUERY", $"line 1:{start} no viable alternative at character '{text[i]}'", i);
            }

            return new SoqlToken(SoqlTokenKind.Date, datePart, start, date);
        }

        if (text[i] is '-' or '+')
        {
            i++;
        }

        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var number = text[start..i];
        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new SoqlException("MALFORMED_QUERY", $"unexpected token: '{number}'", start);
        }

        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
        {
            throw new SoqlException("MALFORMED_QUERY", $"line 1:{i} no viable alternative at character '{text[i]}'", i);
        }

        return new SoqlToken(SoqlTokenKind.Number, number, start, value);
    }

    private static bool TryDateTime(string literal, out DateTimeOffset value)
    {
        value = default;
        var s = literal;
        if (s.EndsWith('Z'))
        {
            s = s[..^1] + "+00:00";
        }
        else if (s.Length > 5 && (s[^5] is '+' or '-') && s[^3] != ':')
        {
            s = s[..^2] + ":" + s[^2..];
        }
        else if (!(s.Length > 6 && (s[^6] is '+' or '-') && s[^3] == ':'))
        {
            return false; // a date-time literal needs a time zone
        }

        if (DateTimeOffset.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            value = SfWire.TruncateToMilliseconds(value);
            return true;
        }

        return false;
    }

    private static bool IsDigits(string text, int start, int count)
    {
        for (var k = 0; k < count; k++)
        {
            if (start + k >= text.Length || !char.IsAsciiDigit(text[start + k]))
            {
                return false;
            }
        }

        return true;
    }
}

package org.truckeefs.testkit.tahoe;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON exactly as Python's {@code json.dumps(obj, indent=1)} does (what Tahoe emits): one space per level,
 * {@code ", "}-free line breaks, {@code ": "} between key and value, ASCII-only output with {@code \\uXXXX} escapes,
 * floats in Python's {@code repr} form ({@code 1795620773.07}, never exponent notation at these magnitudes).
 * Jackson's pretty printer cannot produce the escapes and float forms, hence this small writer.
 */
final class PythonJson {
  private PythonJson() {}

  static String dumps(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, int level) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double d) {
      sb.append(floatRepr(d));
    } else if (v instanceof Number n) {
      sb.append(n.longValue());
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "\n" : ",\n");
        first = false;
        indent(sb, level + 1);
        string(sb, (String) e.getKey());
        sb.append(": ");
        write(sb, e.getValue(), level + 1);
      }
      sb.append("\n");
      indent(sb, level);
      sb.append("}");
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append("[");
      boolean first = true;
      for (Object o : l) {
        sb.append(first ? "\n" : ",\n");
        first = false;
        indent(sb, level + 1);
        write(sb, o, level + 1);
      }
      sb.append("\n");
      indent(sb, level);
      sb.append("]");
    } else {
      throw new IllegalArgumentException("unsupported JSON value " + v.getClass());
    }
  }

  private static void indent(StringBuilder sb, int level) {
    sb.append(" ".repeat(level));
  }

  static String floatRepr(double d) {
    String s = BigDecimal.valueOf(d).toPlainString();
    return s.contains(".") ? s : s + ".0";
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c >= 0x80) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}

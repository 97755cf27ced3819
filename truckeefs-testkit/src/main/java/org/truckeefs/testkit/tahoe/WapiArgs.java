package org.truckeefs.testkit.tahoe;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads a WAPI request's query, path segments and headers the way Tahoe's Python does, errors included. */
final class WapiArgs {
  /** The three values of {@code replace=}. */
  enum Replace { TRUE, FALSE, ONLY_FILES }

  private WapiArgs() {}

  static String first(Map<String, List<String>> args, String name) {
    List<String> v = args.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Tahoe compares child names in NFC. */
  static String nfc(String name) {
    return Normalizer.normalize(name, Normalizer.Form.NFC);
  }

  static boolean mdmf(WapiRequest req) throws WebError {
    String f = req.arg("format");
    if (f == null || f.equalsIgnoreCase("SDMF")) {
      return false;
    }
    if (f.equalsIgnoreCase("MDMF")) {
      return true;
    }
    throw WebError.handler(400, "Unknown format: " + f + ", I know SDMF, MDMF");
  }

  static Replace replace(WapiRequest req) throws WebError {
    String v = req.arg("replace", "true");
    if (v.equalsIgnoreCase("only-files")) {
      return Replace.ONLY_FILES;
    }
    try {
      return isTrue(v, "replace") ? Replace.TRUE : Replace.FALSE;
    } catch (WebError e) {
      throw WebError.handler(400, "invalid replace= argument: '" + v + "'");
    }
  }

  static boolean isTrue(String v, String name) throws WebError {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "t", "1", "on" -> true;
      case "false", "f", "0", "off" -> false;
      default -> throw WebError.handler(400, "invalid boolean argument: '" + v + "'");
    };
  }

  /**
   * Tahoe's {@code parse_range_header}: the first of the ranges as {first, last, isSuffix}, or null when the header
   * does not parse (and is then ignored). An open range starting past the end does not parse either.
   */
  static long[] parseRange(String header, long size) {
    int eq = header.indexOf('=');
    if (eq < 0 || !header.substring(0, eq).equals("bytes")) {
      return null;
    }
    long[] firstRange = null;
    try {
      for (String part : header.substring(eq + 1).split(",", -1)) {
        String r = part.strip();
        int dash = r.indexOf('-');
        if (dash < 0) {
          return null;
        }
        String a = r.substring(0, dash);
        String b = r.substring(dash + 1);
        long[] parsed;
        if (a.isEmpty()) {
          long first = Math.max(0, size - pyInt(b));
          parsed = new long[] {first, size - 1, 1};
        } else {
          long first = pyInt(a);
          long last = b.isEmpty() ? size - 1 : pyInt(b);
          if (last < first) {
            return null;
          }
          parsed = new long[] {first, last, 0};
        }
        if (firstRange == null) {
          firstRange = parsed;
        }
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return firstRange;
  }

  private static long pyInt(String s) {
    return Long.parseLong(s.strip());
  }

  /** Percent-decodes a path segment to UTF-8; invalid UTF-8 is a 500 as on a real gateway. */
  static String decodeSegment(String raw) throws WebError {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(percentDecode(raw, false)))
          .toString();
    } catch (CharacterCodingException | IllegalArgumentException e) {
      throw WebError.traceback("builtins.UnicodeDecodeError", "Processing Failed");
    }
  }

  private static byte[] percentDecode(String s, boolean plusIsSpace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else if (c < 0x80) {
        out.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toByteArray();
  }

  /** Python's {@code parse_qs(keep_blank_values=True)}: {@code +} is a space, values decoded as UTF-8. */
  static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.computeIfAbsent(new String(percentDecode(k, true), StandardCharsets.UTF_8), x -> new ArrayList<>())
          .add(new String(percentDecode(v, true), StandardCharsets.UTF_8));
    }
    return out;
  }
}

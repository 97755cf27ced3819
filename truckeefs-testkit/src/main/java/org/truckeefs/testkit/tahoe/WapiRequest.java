package org.truckeefs.testkit.tahoe;

import com.sun.net.httpserver.Headers;
import java.util.List;
import java.util.Map;

/** A parsed WAPI request: the query as Python's {@code parse_qs} sees it, and an upload hashed before the grid lock. */
record WapiRequest(String method, String rawPath, Map<String, List<String>> args, Headers headers, byte[] body,
    Grid.Prepared prepared) {
  String arg(String name) {
    return WapiArgs.first(args, name);
  }

  String arg(String name, String dflt) {
    String v = arg(name);
    return v == null ? dflt : v;
  }
}

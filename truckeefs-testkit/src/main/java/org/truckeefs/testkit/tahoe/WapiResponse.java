package org.truckeefs.testkit.tahoe;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A gateway answer; {@code body.length} is sent as Content-Length even for HEAD. */
final class WapiResponse {
  /**
   * A success body a render method returns as a string (a cap, "thing moved") gets Twisted's default type; checked
   * against a real 1.17.1 gateway, and the current source sets nothing else.
   */
  static final String TEXT = "text/html";
  /** JSON answers go through {@code web/common.py:text_plain}. */
  static final String JSON = "text/plain";
  static final String ERROR_TEXT = "text/plain;charset=utf-8";
  static final String HTML = "text/html";
  /** Twisted's {@code ErrorPage} (errors met during path traversal). */
  static final String ERROR_HTML = "text/html; charset=utf-8";

  final int status;
  final Map<String, String> headers = new LinkedHashMap<>();
  final byte[] body;

  WapiResponse(int status, String contentType, byte[] body) {
    this.status = status;
    this.body = body;
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
  }

  WapiResponse(int status, String contentType, String body) {
    this(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  static WapiResponse text(int status, String text) {
    return new WapiResponse(status, TEXT, text);
  }

  static WapiResponse html(String html) {
    return new WapiResponse(200, HTML, html);
  }

  static WapiResponse json(Object value) {
    return new WapiResponse(200, JSON, PythonJson.dumps(value) + "\n");
  }
}

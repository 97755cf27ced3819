package org.truckeefs.tahoe;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one place where a gateway answer or a transport failure becomes an {@link FsError}, per
 * docs/tahoe-webapi.md section 2.4: 404 ENOENT, 409 EEXIST, 410 EIO (unrecoverable), 413 EFBIG, 400 EINVAL,
 * 403 EACCES, 500 carrying {@code NotWriteableError} EROFS, any other 5xx EIO. Transport failures and timeouts are
 * EIO, as the BlobStore SPI says for an unreachable store. Messages are one line and never contain a cap.
 */
final class TahoeErrors {
  /** Python exception names Tahoe puts in 500 bodies that mean "the grid is unhappy right now": worth a retry. */
  private static final List<String> TRANSIENT_500 = List.of("NoServersError", "UploadUnhappinessError",
      "NotEnoughServersError", "UncoordinatedWriteError", "NotEnoughSharesError");
  private static final Pattern FAILURE_LINE = Pattern.compile("(?m)^Failure: ([A-Za-z0-9_.]+)");
  private static final Pattern HTML_P = Pattern.compile("(?s)<p>(.*?)</p>");
  private static final Pattern TAGS = Pattern.compile("<[^>]*>");

  private TahoeErrors() {}

  /**
   * The error for a non-2xx answer.
   *
   * @param operation the censored request line, e.g. {@code GET /uri/[CENSORED]}
   */
  static FsException fromResponse(int status, String body, String operation) {
    String detail = detail(status, body);
    String msg = "Tahoe gateway answered " + status + (detail.isEmpty() ? "" : " (" + detail + ")") + " to "
        + operation;
    FsError error = switch (status) {
      case 400, 416 -> FsError.INVALID;
      case 403 -> FsError.ACCESS_DENIED;
      case 404 -> FsError.NOT_FOUND;
      case 409 -> FsError.EXISTS;
      case 410 -> FsError.IO;
      case 413 -> FsError.FILE_TOO_BIG;
      case 500 -> "NotWriteableError".equals(pythonException(body)) ? FsError.READ_ONLY : FsError.IO;
      default -> FsError.IO;
    };
    if (status == 410) {
      msg += "; the object is unrecoverable (not enough shares on the grid)";
    }
    return new FsException(error, msg);
  }

  /** Whether a failed answer may succeed when the same idempotent request is sent again. */
  static boolean isTransient(int status, String body) {
    if (status == 500) {
      String e = pythonException(body);
      return e == null || TRANSIENT_500.contains(e);
    }
    return status == 502 || status == 503 || status == 504;
  }

  /** The error for a request that got no answer. */
  static FsException fromTransport(IOException e, String baseUrl, String operation) {
    if (e instanceof ConnectException || e instanceof UnknownHostException) {
      String why = e instanceof UnknownHostException ? "unknown host" : "connection refused";
      return new FsException(FsError.IO, "cannot reach the Tahoe gateway at " + baseUrl + ": " + why
          + "; is `tahoe run` running? set tahoe_url");
    }
    if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
      return new FsException(FsError.IO, "the Tahoe gateway at " + baseUrl + " did not answer " + operation
          + " in time (" + Censor.text(e.getMessage()) + "); raise net_timeout if the grid is slow");
    }
    if (e instanceof NoHttpResponseException) {
      return new FsException(FsError.IO, "the Tahoe gateway at " + baseUrl + " closed the connection without"
          + " answering " + operation);
    }
    return new FsException(FsError.IO, "talking to the Tahoe gateway at " + baseUrl + " failed during " + operation
        + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Censor.text(e.getMessage())));
  }

  /** The unqualified Python exception name of a traceback body ({@code Failure: a.b.NotWriteableError: ...}). */
  static String pythonException(String body) {
    if (body == null) {
      return null;
    }
    Matcher m = FAILURE_LINE.matcher(body);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    if (last != null) {
      return last.substring(last.lastIndexOf('.') + 1);
    }
    for (String known : List.of("NotWriteableError", "NoServersError", "UploadUnhappinessError",
        "NotEnoughServersError", "UncoordinatedWriteError", "NotEnoughSharesError", "NoSharesError")) {
      if (body.contains(known)) {
        return known;
      }
    }
    return null;
  }

  private static String detail(int status, String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    if (status >= 500) {
      String e = pythonException(body);
      return e == null ? "" : e;
    }
    String text = body;
    if (body.contains("<html") || body.contains("<p>")) {
      Matcher p = HTML_P.matcher(body);
      text = p.find() ? p.group(1) : TAGS.matcher(body).replaceAll(" ");
      text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }
    text = Censor.text(text.strip().lines().findFirst().orElse("").strip());
    return text.length() > 160 ? text.substring(0, 160) + "..." : text;
  }
}

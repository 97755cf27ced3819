package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;

class TahoeErrorsTest {
  private static final String CAP = "URI:CHK:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:1:1:99";

  private static FsError map(int status, String body) {
    return TahoeErrors.fromResponse(status, body, "GET /uri/[CENSORED]").error();
  }

  @Test
  void statuses_mapAsTheReferenceSays() {
    assertThat(map(404, "No such child: x")).isEqualTo(FsError.NOT_FOUND);
    assertThat(map(409, "There was already a child")).isEqualTo(FsError.EXISTS);
    assertThat(map(410, "NoSharesError")).isEqualTo(FsError.IO);
    assertThat(map(413, "")).isEqualTo(FsError.FILE_TOO_BIG);
    assertThat(map(400, "bad")).isEqualTo(FsError.INVALID);
    assertThat(map(403, "Access Prohibited")).isEqualTo(FsError.ACCESS_DENIED);
    assertThat(map(500, "Traceback\nFailure: allmydata.mutable.common.NotWriteableError: \n"))
        .isEqualTo(FsError.READ_ONLY);
    assertThat(map(500, "Traceback\nFailure: allmydata.interfaces.NoServersError: x\n")).isEqualTo(FsError.IO);
    assertThat(map(503, "")).isEqualTo(FsError.IO);
  }

  @Test
  void transient_only5xxOfAnUnhappyGrid() {
    assertThat(TahoeErrors.isTransient(500, "Failure: allmydata.interfaces.NoServersError: x")).isTrue();
    assertThat(TahoeErrors.isTransient(500, "Failure: allmydata.interfaces.UploadUnhappinessError: x")).isTrue();
    assertThat(TahoeErrors.isTransient(500, "Failure: allmydata.mutable.common.NotWriteableError: ")).isFalse();
    assertThat(TahoeErrors.isTransient(500, "Failure: builtins.AssertionError: ")).isFalse();
    assertThat(TahoeErrors.isTransient(410, "")).isFalse();
    assertThat(TahoeErrors.isTransient(404, "")).isFalse();
    assertThat(TahoeErrors.isTransient(503, "")).isTrue();
  }

  @Test
  void messages_areOneLine_andNeverQuoteCaps() {
    String html = "<html><body><p>No such child: " + CAP + "</p></body></html>";
    String m = TahoeErrors.fromResponse(404, html, "GET /uri/[CENSORED]").getMessage();
    assertThat(m).doesNotContain("URI:CHK").doesNotContain("\n").contains("No such child");
    String tb = "Traceback (most recent call last):\n  File x, in " + CAP + "\nFailure: a.b.NoServersError: " + CAP;
    assertThat(TahoeErrors.fromResponse(500, tb, "PUT /uri").getMessage()).doesNotContain("URI:")
        .contains("NoServersError");
    IOException io = new IOException("boom at http://x/uri/" + CAP);
    assertThat(TahoeErrors.fromTransport(io, "http://x", "GET /uri/[CENSORED]").getMessage()).doesNotContain("URI:");
  }

  @Test
  void transport_refusedAndTimeout() {
    assertThat(TahoeErrors.fromTransport(new ConnectException("Connection refused"), "http://127.0.0.1:3456", "GET /")
        .getMessage()).contains("cannot reach the Tahoe gateway at http://127.0.0.1:3456: connection refused; "
            + "is `tahoe run` running? set tahoe_url");
    assertThat(TahoeErrors.fromTransport(new SocketTimeoutException("Read timed out"), "http://g", "GET /").error())
        .isEqualTo(FsError.IO);
  }

  @Test
  void censor_likeTahoesAccessLog() {
    assertThat(Censor.target("/uri/" + CAP + "/child?t=json")).isEqualTo("/uri/[CENSORED]?t=json");
    assertThat(Censor.target("/uri/" + CAP + "/?t=relink&from_name=a&to_dir=" + CAP + "&to_name=b"))
        .isEqualTo("/uri/[CENSORED]?t=relink&from_name=a&to_dir=[CENSORED]&to_name=b");
    assertThat(Censor.target("/uri?t=mkdir")).isEqualTo("/uri?t=mkdir");
    assertThat(Censor.text("x URI%3ACHK%3Aabc y " + CAP)).isEqualTo("x [CENSORED] y [CENSORED]");
  }
}

package org.truckeefs.testkit.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Pins the emulator to docs/tahoe-webapi.md; section numbers refer to that page. */
class TahoeEmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TahoeGatewayEmulator gw;
  private static HttpClient http;
  private String root;

  @BeforeAll
  static void startGateway() {
    gw = TahoeGatewayEmulator.start(Clock.fixed(Instant.ofEpochMilli(1_795_620_773_070L), ZoneOffset.UTC));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stopGateway() {
    gw.close();
  }

  @BeforeEach
  void newRoot() {
    gw.clearFaults();
    gw.crashBetweenRelinkSteps(false);
    root = gw.createDirectory();
  }

  // ------------------------------------------------------------------ helpers

  private static HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static String putUnlinked(byte[] data) throws Exception {
    HttpResponse<byte[]> r = send("PUT", "/uri", data);
    assertThat(r.statusCode()).isEqualTo(200);
    return text(r);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private String u(String cap) {
    return "/uri/" + cap;
  }

  // ------------------------------------------------------------------ tests

  @Nested
  @DisplayName("2.2 #1 and 2.5: unlinked immutable uploads")
  class Uploads {
    @Test
    void upTo55Bytes_isLitWithTheDataInside() throws Exception {
      assertThat(putUnlinked(new byte[0])).isEqualTo("URI:LIT:");
      String cap = putUnlinked("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(cap).isEqualTo("URI:LIT:nbswy3dp");
      assertThat(putUnlinked(new byte[55])).startsWith("URI:LIT:");
    }

    @Test
    void above55Bytes_isConvergentChk() throws Exception {
      byte[] data = bytes(56, 1);
      String cap = putUnlinked(data);
      assertThat(cap).matches("URI:CHK:[a-z2-7]{26}:[a-z2-7]{52}:1:1:56");
      assertThat(putUnlinked(data)).isEqualTo(cap);
      assertThat(putUnlinked(bytes(56, 2))).isNotEqualTo(cap);
    }

    @Test
    void successBody_isTwistedsDefaultTextHtmlWithoutTrailingNewline_jsonIsTextPlain_andSecurityHeaders()
        throws Exception {
      // as a real 1.17.1 gateway answers (a cap is returned as a string: Twisted's default type)
      HttpResponse<byte[]> r = send("PUT", "/uri", bytes(100, 3));
      assertThat(text(r)).doesNotEndWith("\n");
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html");
      assertThat(send("GET", "/uri/" + text(r) + "?t=json", null).headers().firstValue("Content-Type"))
          .hasValue("text/plain");
      assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    }

    @Test
    void unknownFormat_is400() throws Exception {
      assertThat(send("PUT", "/uri?format=XYZ", new byte[1]).statusCode()).isEqualTo(400);
    }
  }

  @Nested
  @DisplayName("2.2 #9, #9b, #9c: reads")
  class Reads {
    byte[] data = bytes(1000, 7);
    String cap;

    @BeforeEach
    void upload() throws Exception {
      cap = putUnlinked(data);
    }

    @Test
    void get_wholeFile_withAcceptRangesAndEtag() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(data);
      assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
      String etag = r.headers().firstValue("ETag").orElseThrow();
      assertThat(etag).matches("[a-z2-7]{26}-");
      assertThat(send("GET", u(cap), null, "If-None-Match", etag).statusCode()).isEqualTo(304);
    }

    @Test
    void closedRange_is206WithContentRange_andOverrunTruncated() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null, "Range", "bytes=10-19");
      assertThat(r.statusCode()).isEqualTo(206);
      assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 10-19/1000");
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, 10, 20));
      HttpResponse<byte[]> over = send("GET", u(cap), null, "Range", "bytes=990-5000");
      assertThat(over.statusCode()).isEqualTo(206);
      assertThat(over.headers().firstValue("Content-Range")).hasValue("bytes 990-999/1000");
      assertThat(over.body()).hasSize(10);
    }

    @Test
    void closedRangePastEnd_is416WithoutContentRange() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null, "Range", "bytes=1000-1010");
      assertThat(r.statusCode()).isEqualTo(416);
      assertThat(text(r)).contains("First beyond end of file");
      assertThat(r.headers().firstValue("Content-Range")).isEmpty();
    }

    @Test
    void closedRangeOnEmptyFile_is416() throws Exception {
      String empty = putUnlinked(new byte[0]);
      assertThat(send("GET", u(empty), null, "Range", "bytes=0-0").statusCode()).isEqualTo(416);
    }

    @Test
    void openRangePastEnd_isIgnored_200WholeBody() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null, "Range", "bytes=1000-");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(data);
      HttpResponse<byte[]> e = send("GET", u(putUnlinked(new byte[0])), null, "Range", "bytes=0-");
      assertThat(e.statusCode()).isEqualTo(200);
      assertThat(e.body()).isEmpty();
    }

    @Test
    void openRangeInside_is206ToTheEnd() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null, "Range", "bytes=995-");
      assertThat(r.statusCode()).isEqualTo(206);
      assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 995-999/1000");
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, 995, 1000));
    }

    @Test
    void suffixRange_always206() throws Exception {
      HttpResponse<byte[]> r = send("GET", u(cap), null, "Range", "bytes=-5");
      assertThat(r.statusCode()).isEqualTo(206);
      assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 995-999/1000");
      HttpResponse<byte[]> whole = send("GET", u(cap), null, "Range", "bytes=-5000");
      assertThat(whole.statusCode()).isEqualTo(206);
      assertThat(whole.body()).isEqualTo(data);
      HttpResponse<byte[]> empty = send("GET", u(putUnlinked(new byte[0])), null, "Range", "bytes=-5");
      assertThat(empty.statusCode()).isEqualTo(206);
      assertThat(empty.body()).isEmpty();
    }

    @Test
    void unparseableRange_isIgnored_andOnlyFirstRangeServed() throws Exception {
      assertThat(send("GET", u(cap), null, "Range", "bytes=abc").statusCode()).isEqualTo(200);
      assertThat(send("GET", u(cap), null, "Range", "items=0-4").statusCode()).isEqualTo(200);
      HttpResponse<byte[]> multi = send("GET", u(cap), null, "Range", "bytes=0-1,5-6");
      assertThat(multi.statusCode()).isEqualTo(206);
      assertThat(multi.body()).isEqualTo(Arrays.copyOfRange(data, 0, 2));
    }

    @Test
    void litFile_isReadWithoutEtag() throws Exception {
      String lit = putUnlinked("tiny".getBytes(StandardCharsets.US_ASCII));
      HttpResponse<byte[]> r = send("GET", u(lit), null, "Range", "bytes=1-2");
      assertThat(r.statusCode()).isEqualTo(206);
      assertThat(text(r)).isEqualTo("in");
      assertThat(r.headers().firstValue("ETag")).isEmpty();
    }

    @Test
    void head_givesLengthAndNoBody() throws Exception {
      HttpResponse<byte[]> r = send("HEAD", u(cap), null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Length")).hasValue("1000");
      assertThat(r.body()).isEmpty();
    }

    @Test
    void colonsMayBePercentEncoded() throws Exception {
      assertThat(send("GET", u(cap.replace(":", "%3A")), null).body()).isEqualTo(data);
    }

    @Test
    void chkNotOnTheGrid_is410() throws Exception {
      String other = cap.replaceFirst(":1000$", ":1001");
      assertThat(send("GET", u(other), null).statusCode()).isEqualTo(410);
      gw.makeUnrecoverable(cap);
      try {
        assertThat(send("GET", u(cap), null).statusCode()).isEqualTo(410);
      } finally {
        gw.makeAllRecoverable();
      }
    }
  }

  @Nested
  @DisplayName("2.2 #3, #6, #6b, #7, #10, #13, #15 and 2.3: directories")
  class Directories {
    @Test
    void mkdir_unlinked_sdmfAndMdmf() throws Exception {
      HttpResponse<byte[]> r = send("POST", "/uri?t=mkdir", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).matches("URI:DIR2:[a-z2-7]{26}:[a-z2-7]{52}");
      assertThat(text(send("POST", "/uri?t=mkdir&format=MDMF", null))).startsWith("URI:DIR2-MDMF:");
    }

    @Test
    void putByPath_201New_200Replaced_409WithReplaceFalse_andCreatesIntermediates() throws Exception {
      HttpResponse<byte[]> r = send("PUT", u(root) + "/a/b/file.txt", bytes(100, 1));
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(text(r)).startsWith("URI:CHK:");
      assertThat(send("PUT", u(root) + "/a/b/file.txt", bytes(100, 2)).statusCode()).isEqualTo(200);
      assertThat(send("PUT", u(root) + "/a/b/file.txt?replace=false", bytes(100, 3)).statusCode()).isEqualTo(409);
      assertThat(send("GET", u(root) + "/a/b/file.txt", null).body()).isEqualTo(bytes(100, 2));
      assertThat(send("PUT", u(root) + "/a", bytes(10, 1)).statusCode()).isEqualTo(400);
      assertThat(send("PUT", u(root) + "/a/b/file.txt/x", bytes(10, 1)).statusCode()).isEqualTo(409);
      assertThat(send("PUT", u(root) + "/c", bytes(10, 1), "Content-Range", "bytes 0-9/10").statusCode())
          .isEqualTo(501);
    }

    @Test
    void json_hasTheExactShape() throws Exception {
      String lit = text(send("PUT", u(root) + "/small", "x".repeat(30).getBytes(StandardCharsets.US_ASCII)));
      String chk = text(send("PUT", u(root) + "/big", bytes(100, 1)));
      String sub = text(send("POST", u(root) + "/sub?t=mkdir", null));
      HttpResponse<byte[]> r = send("GET", u(root) + "?t=json", null);
      String body = text(r);
      assertThat(body).startsWith("[\n \"dirnode\",\n {\n  \"children\": {\n").endsWith("]\n");
      assertThat(body).contains("\"linkcrtime\": 1795620773.07");
      JsonNode j = JSON.readTree(body);
      assertThat(j.get(0).asText()).isEqualTo("dirnode");
      JsonNode d = j.get(1);
      assertThat(fieldNames(d)).containsExactly("children", "ro_uri", "rw_uri", "verify_uri", "mutable");
      assertThat(d.get("rw_uri").asText()).isEqualTo(root);
      assertThat(d.get("ro_uri").asText()).startsWith("URI:DIR2-RO:");
      assertThat(d.get("verify_uri").asText()).startsWith("URI:DIR2-Verifier:");
      JsonNode small = d.get("children").get("small");
      assertThat(small.get(0).asText()).isEqualTo("filenode");
      assertThat(fieldNames(small.get(1))).containsExactly("mutable", "format", "size", "metadata", "ro_uri");
      assertThat(small.get(1).get("ro_uri").asText()).isEqualTo(lit);
      assertThat(small.get(1).get("format").asText()).isEqualTo("CHK");
      JsonNode big = d.get("children").get("big").get(1);
      assertThat(fieldNames(big)).containsExactly("mutable", "format", "size", "metadata", "ro_uri", "verify_uri");
      assertThat(big.get("size").asLong()).isEqualTo(100);
      assertThat(big.get("ro_uri").asText()).isEqualTo(chk);
      assertThat(big.get("verify_uri").asText()).startsWith("URI:CHK-Verifier:");
      JsonNode tahoe = big.get("metadata").get("tahoe");
      assertThat(fieldNames(tahoe)).containsExactly("linkcrtime", "linkmotime");
      JsonNode subNode = d.get("children").get("sub");
      assertThat(subNode.get(0).asText()).isEqualTo("dirnode");
      assertThat(fieldNames(subNode.get(1))).containsExactly("mutable", "metadata", "rw_uri", "ro_uri", "verify_uri");
      assertThat(subNode.get(1).get("rw_uri").asText()).isEqualTo(sub);
    }

    @Test
    void json_throughReadCap_hasNoRwUris() throws Exception {
      send("POST", u(root) + "/sub?t=mkdir", null);
      String ro = text(send("GET", u(root) + "?t=readonly-uri", null));
      JsonNode d = JSON.readTree(send("GET", u(ro) + "/?t=json", null).body()).get(1);
      assertThat(d.has("rw_uri")).isFalse();
      assertThat(d.get("children").get("sub").get(1).has("rw_uri")).isFalse();
    }

    @Test
    void json_nonAsciiNamesEscaped_andNfcNormalized() throws Exception {
      send("PUT", u(root) + "/caf" + "e%CC%81", bytes(60, 1));
      String body = text(send("GET", u(root) + "?t=json", null));
      assertThat(body).contains("\"caf\\u00e9\"");
    }

    @Test
    void attach_isAlways200() throws Exception {
      String cap = putUnlinked(bytes(100, 5));
      HttpResponse<byte[]> r = send("PUT", u(root) + "/x?t=uri", cap.getBytes(StandardCharsets.US_ASCII));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).isEqualTo(cap);
      assertThat(send("PUT", u(root) + "/x?t=uri&replace=false", cap.getBytes(StandardCharsets.US_ASCII))
          .statusCode()).isEqualTo(409);
      assertThat(send("PUT", u(root) + "/y?t=uri", "garbage".getBytes(StandardCharsets.US_ASCII)).statusCode())
          .isEqualTo(400);
      assertThat(gw.list(root).orElseThrow().get("x").cap()).isEqualTo(cap);
    }

    @Test
    void delete_returnsTheCap_andMissingIs404Html() throws Exception {
      String cap = text(send("PUT", u(root) + "/f", bytes(100, 1)));
      HttpResponse<byte[]> r = send("DELETE", u(root) + "/f", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).isEqualTo(cap);
      HttpResponse<byte[]> missing = send("DELETE", u(root) + "/f", null, "Accept", "text/plain");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("html"));
      assertThat(text(missing)).contains("<html>").contains("No such child: f");
      assertThat(send("GET", u(root) + "/nope/deeper", null).statusCode()).isEqualTo(404);
    }

    @Test
    void mkdirByPath_isIdempotent() throws Exception {
      String a = text(send("POST", u(root) + "/a/b?t=mkdir", null));
      send("PUT", u(root) + "/a/b/f", bytes(100, 1));
      String again = text(send("POST", u(root) + "/a/b?t=mkdir", null));
      assertThat(again).isEqualTo(a);
      assertThat(gw.list(a).orElseThrow()).containsKey("f");
      send("PUT", u(root) + "/file", bytes(100, 1));
      HttpResponse<byte[]> inTheWay = send("POST", u(root) + "/file/sub?t=mkdir", null);
      assertThat(inTheWay.statusCode()).isEqualTo(409);
      assertThat(text(inTheWay)).contains("<html>").contains("a file was in the way");
    }

    @Test
    void mkdirByName_replaceTrueEmptiesAnExistingDirectory_replaceFalseIs409() throws Exception {
      String a = text(send("POST", u(root) + "/?t=mkdir&name=a", null));
      send("PUT", u(a) + "/f", bytes(100, 1));
      HttpResponse<byte[]> no = send("POST", u(root) + "/?t=mkdir&name=a&replace=false", null);
      assertThat(no.statusCode()).isEqualTo(409);
      assertThat(text(no)).isEqualTo("There was already a child by that name, and you asked me to not replace it.");
      String replaced = text(send("POST", u(root) + "/?t=mkdir&name=a", null));
      assertThat(replaced).isNotEqualTo(a);
      assertThat(gw.list(root).orElseThrow().get("a").cap()).isEqualTo(replaced);
      assertThat(gw.list(replaced).orElseThrow()).isEmpty();
    }

    @Test
    void emptyPathComponent_is400() throws Exception {
      assertThat(send("GET", u(root) + "//x", null).statusCode()).isEqualTo(400);
    }

    @Test
    void unrecoverableDirectory_jsonErrorWith410() throws Exception {
      String sub = text(send("POST", u(root) + "/sub?t=mkdir", null));
      gw.makeUnrecoverable(sub);
      try {
        HttpResponse<byte[]> r = send("GET", u(sub) + "?t=json", null);
        assertThat(r.statusCode()).isEqualTo(410);
        assertThat(JSON.readTree(r.body()).has("error")).isTrue();
      } finally {
        gw.makeAllRecoverable();
      }
    }

    @Test
    void fileJson_viaDirectoryHasMetadata() throws Exception {
      send("PUT", u(root) + "/f", bytes(100, 1));
      JsonNode j = JSON.readTree(send("GET", u(root) + "/f?t=json", null).body());
      assertThat(j.get(0).asText()).isEqualTo("filenode");
      assertThat(fieldNames(j.get(1))).containsExactly("mutable", "format", "size", "ro_uri", "verify_uri", "metadata");
    }
  }

  @Nested
  @DisplayName("2.2 #16 and 2.6: relink")
  class Relink {
    @Test
    void relink_withinAndAcrossDirectories() throws Exception {
      String cap = text(send("PUT", u(root) + "/a", bytes(100, 1)));
      String sub = text(send("POST", u(root) + "/sub?t=mkdir", null));
      HttpResponse<byte[]> r = send("POST", u(root) + "/?t=relink&from_name=a&to_name=b", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).isEqualTo("thing moved");
      assertThat(gw.list(root).orElseThrow()).containsKey("b").doesNotContainKey("a");
      send("POST", u(root) + "/?t=relink&from_name=b&to_dir=" + sub + "&to_name=c", null);
      assertThat(gw.list(sub).orElseThrow().get("c").cap()).isEqualTo(cap);
      assertThat(gw.list(root).orElseThrow()).doesNotContainKey("b");
    }

    @Test
    void relink_replaceFalseConflict409_missingSource404_slash400() throws Exception {
      send("PUT", u(root) + "/a", bytes(100, 1));
      send("PUT", u(root) + "/b", bytes(100, 2));
      assertThat(send("POST", u(root) + "/?t=relink&from_name=a&to_name=b&replace=false", null).statusCode())
          .isEqualTo(409);
      HttpResponse<byte[]> missing = send("POST", u(root) + "/?t=relink&from_name=zz&to_name=y", null);
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(text(missing)).isEqualTo("No such child: zz");
      assertThat(send("POST", u(root) + "/?t=relink&from_name=a&to_name=x%2Fy", null).statusCode()).isEqualTo(400);
    }

    @Test
    void relink_namesAreStripped_plusIsSpace() throws Exception {
      send("PUT", u(root) + "/a", bytes(100, 1));
      send("POST", u(root) + "/?t=relink&from_name=+a+&to_name=%20sp%20", null);
      assertThat(gw.list(root).orElseThrow()).containsOnlyKeys("sp");
    }

    @Test
    void relink_isTwoSteps_aCrashLeavesBothLinks() throws Exception {
      String cap = text(send("PUT", u(root) + "/a", bytes(100, 1)));
      gw.crashBetweenRelinkSteps(true);
      try {
        send("POST", u(root) + "/?t=relink&from_name=a&to_name=b", null);
      } catch (IOException expected) {
        // the gateway "crashed": no answer
      }
      Map<String, EmulatedEntry> kids = gw.list(root).orElseThrow();
      assertThat(kids).containsOnlyKeys("a", "b");
      assertThat(kids.get("b").cap()).isEqualTo(cap);
    }
  }

  @Nested
  @DisplayName("2.2 #17, #22: check, leases and node status")
  class Check {
    @Test
    void check_chk_fullJson_andAddLeaseIsRecorded() throws Exception {
      String cap = putUnlinked(bytes(100, 1));
      HttpResponse<byte[]> r = send("POST", u(cap) + "?t=check&output=JSON&add-lease=true", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).endsWith("}\n");
      JsonNode j = JSON.readTree(r.body());
      assertThat(fieldNames(j)).containsExactly("storage-index", "summary", "results");
      assertThat(fieldNames(j.get("results"))).containsExactly("count-happiness", "count-shares-good",
          "count-shares-needed", "count-shares-expected", "count-good-share-hosts", "count-corrupt-shares",
          "list-corrupt-shares", "servers-responding", "sharemap", "count-wrong-shares",
          "count-recoverable-versions", "count-unrecoverable-versions", "healthy", "recoverable");
      assertThat(j.get("results").get("healthy").asBoolean()).isTrue();
      assertThat(gw.leaseRenewals(cap)).isEqualTo(1);
      send("POST", u(cap) + "?t=check&output=JSON", null);
      assertThat(gw.leaseRenewals(cap)).isEqualTo(1);
    }

    @Test
    void check_lit_specialCase() throws Exception {
      String lit = putUnlinked("x".getBytes(StandardCharsets.US_ASCII));
      String body = text(send("POST", u(lit) + "?t=check&output=JSON&add-lease=true", null));
      assertThat(body).isEqualTo("{\n \"storage-index\": \"\",\n \"results\": {\n  \"healthy\": true\n }\n}\n");
    }

    @Test
    void check_directory_hasSeqInSharemap() throws Exception {
      JsonNode j = JSON.readTree(send("POST", u(root) + "?t=check&output=JSON", null).body());
      assertThat(j.get("results").get("sharemap").fieldNames().next()).startsWith("seq");
    }

    @Test
    void badBoolean_is400() throws Exception {
      String cap = putUnlinked(bytes(100, 1));
      HttpResponse<byte[]> r = send("POST", u(cap) + "?t=check&output=JSON&add-lease=maybe", null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(text(r)).startsWith("invalid boolean argument");
    }

    @Test
    void nodeStatus_listsServersWithAvailableSpace() throws Exception {
      gw.setAvailableSpace(123456789L);
      JsonNode j = JSON.readTree(send("GET", "/?t=json", null).body());
      assertThat(fieldNames(j)).containsExactly("introducers", "servers");
      JsonNode s = j.get("servers").get(0);
      assertThat(fieldNames(s)).containsExactly("nodeid", "connection_status", "available_space", "nickname",
          "version", "last_received_data");
      assertThat(s.get("available_space").asLong()).isEqualTo(123456789L);
    }
  }

  @Nested
  @DisplayName("2.4: errors, read-only caps and fault switches")
  class Errors {
    @Test
    void writeThroughReadCap_is500NotWriteable_plainTracebackWithTextPlain() throws Exception {
      String ro = text(send("GET", u(root) + "?t=readonly-uri", null));
      HttpResponse<byte[]> r = send("PUT", u(ro) + "/f", bytes(100, 1), "Accept", "text/plain");
      assertThat(r.statusCode()).isEqualTo(500);
      String[] lines = text(r).split("\n");
      assertThat(lines[0]).isEqualTo("Traceback (most recent call last):");
      assertThat(lines[lines.length - 1]).startsWith("Failure: allmydata.").contains("NotWriteableError:");
      HttpResponse<byte[]> html = send("DELETE", u(ro) + "/f", null, "Accept", "*/*");
      assertThat(html.statusCode()).isEqualTo(404);
      send("PUT", u(root) + "/g", bytes(100, 1));
      HttpResponse<byte[]> htmlTb = send("DELETE", u(ro) + "/g", null, "Accept", "text/html");
      assertThat(htmlTb.statusCode()).isEqualTo(500);
      assertThat(text(htmlTb)).contains("<html>").contains("NotWriteableError");
    }

    @Test
    void putOnChkCap_is500AssertionError() throws Exception {
      String cap = putUnlinked(bytes(100, 1));
      HttpResponse<byte[]> r = send("PUT", u(cap), bytes(100, 2), "Accept", "text/plain");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(text(r)).contains("AssertionError");
    }

    @Test
    void faults_nextRequestsFail_thenRecover() throws Exception {
      gw.injectFaults("PUT", 2, Fault.noServers());
      HttpResponse<byte[]> r = send("PUT", "/uri", bytes(100, 1), "Accept", "text/plain");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(text(r)).contains("Failure: allmydata.interfaces.NoServersError:");
      assertThat(send("GET", "/?t=json", null).statusCode()).isEqualTo(200);
      assertThat(send("PUT", "/uri", bytes(100, 1)).statusCode()).isEqualTo(500);
      assertThat(send("PUT", "/uri", bytes(100, 1)).statusCode()).isEqualTo(200);
      gw.injectFaults(null, 1, Fault.gone());
      assertThat(send("GET", "/?t=json", null).statusCode()).isEqualTo(410);
      assertThat(gw.pendingFaults()).isZero();
    }

    @Test
    void faults_dropConnection_andDelay() throws Exception {
      // The JDK client retries an idempotent request once on a dropped connection, so drop a few.
      gw.injectFaults(null, 5, Fault.dropConnection());
      try {
        send("GET", "/?t=json", null);
        org.assertj.core.api.Assertions.fail("expected the connection to drop");
      } catch (IOException expected) {
        assertThat(gw.requests()).last().satisfies(r -> assertThat(r.status()).isZero());
      }
      gw.clearFaults();
      gw.injectFaults(null, 1, Fault.delay(Duration.ofMillis(200)));
      long t0 = System.nanoTime();
      assertThat(send("GET", "/?t=json", null).statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void faults_dropAfterHandling_takesEffect() throws Exception {
      int before = gw.uploadCount();
      gw.injectFaults("PUT", 1, Fault.dropAfterHandling());
      try {
        send("PUT", "/uri", bytes(100, 9));
      } catch (IOException expected) {
        // dropped after the upload happened
      }
      assertThat(gw.uploadCount()).isEqualTo(before + 1);
      assertThat(gw.requests()).last().satisfies(r -> assertThat(r.status()).isZero());
    }
  }

  private static java.util.List<String> fieldNames(JsonNode n) {
    java.util.List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}

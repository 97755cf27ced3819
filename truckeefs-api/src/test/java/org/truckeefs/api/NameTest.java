package org.truckeefs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NameTest {

  private static FsError errorOf(ThrowingRunnable r) {
    try {
      r.run();
    } catch (FsException e) {
      return e.error();
    }
    throw new AssertionError("no FsException");
  }

  interface ThrowingRunnable {
    void run() throws FsException;
  }

  @Test
  void of_acceptsExactly255Bytes_andRejects256() throws FsException {
    assertThat(Name.of("a".repeat(255)).length()).isEqualTo(255);
    assertThat(errorOf(() -> Name.of("a".repeat(256)))).isEqualTo(FsError.NAME_TOO_LONG);
  }

  @Test
  void of_countsBytesNotCharacters() {
    // 128 two-byte characters are 256 bytes.
    assertThat(errorOf(() -> Name.of("é".repeat(128)))).isEqualTo(FsError.NAME_TOO_LONG);
  }

  @Test
  void of_rejectsSlashAndNul() {
    assertThat(errorOf(() -> Name.of("a/b"))).isEqualTo(FsError.INVALID);
    assertThat(errorOf(() -> Name.of("a\0b"))).isEqualTo(FsError.INVALID);
  }

  @Test
  void of_rejectsInvalidUtf8Bytes() {
    assertThat(errorOf(() -> Name.of(new byte[] {'a', (byte) 0xff, 'b'}))).isEqualTo(FsError.ILLEGAL_SEQUENCE);
  }

  @Test
  void of_rejectsLoneSurrogate() {
    assertThat(errorOf(() -> Name.of("a\uD800"))).isEqualTo(FsError.ILLEGAL_SEQUENCE);
  }

  @Test
  void namesCompareAsBytes_caseSensitive() throws FsException {
    assertThat(Name.of("a")).isNotEqualTo(Name.of("A"));
    assertThat(Name.of("é")).isEqualTo(Name.of("é".getBytes(StandardCharsets.UTF_8)));
    assertThat(Name.of("B").compareTo(Name.of("a"))).isNegative();
    assertThat(Name.of("z").compareTo(Name.of("é"))).isNegative(); // unsigned: 0xC3 > 'z'
  }

  @Test
  void dotAndDotDotAreRecognised() throws FsException {
    assertThat(Name.of(".").isDot()).isTrue();
    assertThat(Name.of("..").isDotDot()).isTrue();
    assertThat(Name.of("...").isDotOrDotDot()).isFalse();
  }

  @Test
  void bytesAreCopied() throws FsException {
    Name n = Name.of("abc");
    n.bytes()[0] = 'x';
    assertThat(n.toString()).isEqualTo("abc");
    assertThatThrownBy(() -> Name.of("")).isInstanceOf(FsException.class);
  }

  @Test
  void of_bytes_rejectsOverlongTruncatedAndSurrogateSequences() {
    assertThat(errorOf(() -> Name.of(new byte[] {(byte) 0xc0, (byte) 0xaf}))).isEqualTo(FsError.ILLEGAL_SEQUENCE);
    assertThat(errorOf(() -> Name.of(new byte[] {'a', (byte) 0xc3}))).isEqualTo(FsError.ILLEGAL_SEQUENCE);
    assertThat(errorOf(() -> Name.of(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})))
        .isEqualTo(FsError.ILLEGAL_SEQUENCE);
    assertThat(errorOf(() -> Name.of(new byte[] {'a', '/', (byte) 0xc3, (byte) 0xa9}))).isEqualTo(FsError.INVALID);
  }

  @Test
  void of_bytes_readsBackAsTheSameString_asciiOrNot() throws FsException {
    assertThat(Name.of("f00042".getBytes(StandardCharsets.US_ASCII)).toString()).isEqualTo("f00042");
    byte[] raw = "été \uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    Name n = Name.of(raw);
    raw[0] = 'x'; // the caller's array is not kept
    assertThat(n.toString()).isEqualTo("été \uD83D\uDE00");
    assertThat(n).isEqualTo(Name.of("été \uD83D\uDE00"));
  }
}

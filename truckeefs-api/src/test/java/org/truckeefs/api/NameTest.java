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
}

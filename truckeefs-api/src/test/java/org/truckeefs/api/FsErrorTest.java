package org.truckeefs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FsErrorTest {
  @Test
  void errnoValuesAreUniqueAndLinux() {
    assertThat(Arrays.stream(FsError.values()).map(FsError::errno).distinct().count())
        .isEqualTo(FsError.values().length);
    assertThat(FsError.NOT_FOUND.errno()).isEqualTo(2);
    assertThat(FsError.NOT_EMPTY.errno()).isEqualTo(39);
    assertThat(FsError.NAME_TOO_LONG.errno()).isEqualTo(36);
    assertThat(FsError.NO_DATA.errno()).isEqualTo(61);
  }

  @Test
  void exceptionMessageNamesTheSymbol() {
    assertThat(new FsException(FsError.EXISTS, "x exists").getMessage()).isEqualTo("EEXIST: x exists");
  }

  @Test
  void inodeTypeRoundTripsThroughMode() throws FsException {
    for (InodeType t : InodeType.values()) {
      assertThat(InodeType.fromMode(t.modeBits() | 0644)).isEqualTo(t);
    }
  }

  @Test
  void openFlagsDecodeAccessMode() {
    OpenFlags f = OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT);
    assertThat(f.canWrite()).isTrue();
    assertThat(f.canRead()).isFalse();
    assertThat(f.append()).isTrue();
    assertThat(f.create()).isTrue();
    assertThat(f.exclusive()).isFalse();
  }
}

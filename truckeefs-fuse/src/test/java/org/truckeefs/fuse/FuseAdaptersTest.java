package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/** Adapter selection on this module's own class path, where the libfuse 3 adapter is absent. */
class FuseAdaptersTest {
  @Test
  void autoOnJava17FallsBackToJnrWithOneNotice() throws FsException {
    List<String> notices = new ArrayList<>();
    FuseAdapter a = FuseAdapters.select("auto", 17, notices::add);
    assertThat(a.name()).isEqualTo("jnr");
    assertThat(notices).singleElement().asString().contains("jnr-fuse").contains("Java 22+").contains("Java 17");
  }

  @Test
  void autoWithoutTheFfmModuleSaysItIsMissing() throws FsException {
    List<String> notices = new ArrayList<>();
    assertThat(FuseAdapters.select(null, 25, notices::add).name()).isEqualTo("jnr");
    assertThat(notices).singleElement().asString().contains("truckeefs-fuse-ffm");
  }

  @Test
  void forcedLowLevelThatCannotRunIsAnError() {
    assertThatThrownBy(() -> FuseAdapters.select("lowlevel", 17, n -> {}))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.UNSUPPORTED))
        .hasMessageContaining("Java 22+");
  }

  @Test
  void forcedJnrNeedsNoNotice() throws FsException {
    List<String> notices = new ArrayList<>();
    assertThat(FuseAdapters.select("JNR", 25, notices::add).name()).isEqualTo("jnr");
    assertThat(notices).isEmpty();
  }

  @Test
  void unknownApiIsBadInput() {
    assertThatThrownBy(() -> FuseAdapters.select("highlevel", 25, n -> {}))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.INVALID))
        .hasMessageContaining("auto, lowlevel or jnr");
  }
}

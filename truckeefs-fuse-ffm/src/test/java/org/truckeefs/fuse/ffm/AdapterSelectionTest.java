package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseAdapter;
import org.truckeefs.fuse.FuseAdapters;
import org.truckeefs.testkit.RequiredService;

/** On this module's class path (Java 22+, the FFM adapter present) auto selects the libfuse 3 adapter. */
class AdapterSelectionTest {
  @Test
  void autoPicksTheLowLevelAdapterWhenLibfuse3Loads() throws Exception {
    RequiredService.require(new FfmAdapter().problems().isEmpty(), String.join("; ", new FfmAdapter().problems()));
    List<String> notices = new ArrayList<>();
    FuseAdapter a = FuseAdapters.select("auto", notices::add);
    assertThat(a).isInstanceOf(FfmAdapter.class);
    assertThat(a.name()).isEqualTo("lowlevel");
    assertThat(notices).isEmpty();
    assertThat(FuseAdapters.select("lowlevel", notices::add)).isInstanceOf(FfmAdapter.class);
  }

  @Test
  void jnrCanStillBeForced() throws Exception {
    assertThat(FuseAdapters.select("jnr", n -> {}).name()).isEqualTo("jnr");
  }
}

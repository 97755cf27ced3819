package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;

class MirrorOpTest {
  @Test
  void opsSurviveTheJournalEncoding() throws Exception {
    MirrorOp sync = MirrorOp.sync(InodeId.of(7), Name.of("caf\u00e9 \u2603"));
    MirrorOp rename = MirrorOp.rename(InodeId.ROOT, Name.of("a"), InodeId.of(1L << 40), Name.of(" b "));
    assertThat(MirrorOp.decode(sync.encode(), 3)).isEqualTo(sync.withJournalId(3));
    assertThat(MirrorOp.decode(rename.encode(), 4)).isEqualTo(rename.withJournalId(4));
  }

  @Test
  void syncsOfOneNameShareAKeyAndRenamesDoNot() throws Exception {
    assertThat(MirrorOp.sync(InodeId.ROOT, Name.of("x")).key())
        .isEqualTo(MirrorOp.sync(InodeId.ROOT, Name.of("x")).withJournalId(9).key())
        .isNotEqualTo(MirrorOp.sync(InodeId.of(2), Name.of("x")).key())
        .isNotEqualTo(MirrorOp.rename(InodeId.ROOT, Name.of("x"), InodeId.ROOT, Name.of("y")).key());
  }
}

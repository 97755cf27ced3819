package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;

/** The mirror's durable file records and its name normalization. */
class MirrorFilesTest {
  private final InMemoryMetadataStore meta = new InMemoryMetadataStore(Clock.systemUTC());
  private final InodeId f = InodeId.of(42);

  @Test
  void aRecordSurvivesARestartAndOnlyTheNewestIsKept() throws Exception {
    MirrorFiles files = new MirrorFiles(meta, "h1", Clock.systemUTC());
    files.record(f, 3, "URI:CHK:v3");
    files.record(f, 4, "URI:CHK:v4");
    assertThat(files.handle(f, 4)).contains("URI:CHK:v4");
    assertThat(files.handle(f, 3)).as("another version's handle is not this version's").isEmpty();
    assertThat(meta.journal("mirror-files:h1")).hasSize(1);

    MirrorFiles again = new MirrorFiles(meta, "h1", Clock.systemUTC());
    again.load();
    assertThat(again.handle(f, 4)).contains("URI:CHK:v4");
    assertThat(new MirrorFiles(meta, "h2", Clock.systemUTC()).handle(f, 4)).as("per host").isEmpty();
  }

  @Test
  void loadKeepsTheNewestOfTwoRecordsLeftByACrash() throws Exception {
    MirrorFiles a = new MirrorFiles(meta, "h1", Clock.systemUTC());
    a.record(f, 1, "URI:CHK:old");
    MirrorFiles b = new MirrorFiles(meta, "h1", Clock.systemUTC()); // knows nothing of a's record: both stay
    b.record(f, 2, "URI:CHK:new");
    assertThat(meta.journal("mirror-files:h1")).hasSize(2);
    MirrorFiles c = new MirrorFiles(meta, "h1", Clock.systemUTC());
    c.load();
    assertThat(c.handle(f, 2)).contains("URI:CHK:new");
    assertThat(meta.journal("mirror-files:h1")).hasSize(1);
  }

  @Test
  void forgetRemovesTheRecord() throws Exception {
    MirrorFiles files = new MirrorFiles(meta, "h1", Clock.systemUTC());
    files.record(f, 1, "URI:CHK:x");
    files.forget(f);
    assertThat(files.handle(f, 1)).isEmpty();
    assertThat(meta.journal("mirror-files:h1")).isEmpty();
  }

  @Test
  void namesAreComparedAsTahoeHoldsThemInNfc() throws Exception {
    String nfd = Normalizer.normalize("caf\u00e9", Normalizer.Form.NFD);
    Name name = Name.of(nfd.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(MirrorNames.of(name)).isEqualTo("caf\u00e9");
  }
}

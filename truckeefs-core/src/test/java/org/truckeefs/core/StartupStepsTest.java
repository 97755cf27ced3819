package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/** A start that fails at its last steps removes what the earlier ones created, the local blob store's too. */
class StartupStepsTest {
  @TempDir Path dir;

  /** A metadata store that cannot be opened (a database that refuses us), after the directories were made. */
  static final MetadataStoreProvider REFUSING = new MetadataStoreProvider() {
    @Override
    public String scheme() {
      return "refusing";
    }

    @Override
    public MetadataStore create(URI uri, BackendConfig c, BackendContext ctx) throws FsException {
      assertThat(ctx.dataDir().resolve("blobs").resolve(LocalBlobStore.TMP)).as("made before this step").isDirectory();
      throw new FsException(FsError.IO, "the database refused us");
    }
  };

  RiverFsConfig.Builder config(Path data) throws FsException {
    return RiverFsConfig.builder()
        .backends(Backends.discover().register(REFUSING))
        .dataDir(data)
        .cacheDir(data.resolve("cache"))
        .metadataUri("refusing:")
        .blobUri("local:");
  }

  @Test
  void aMetadataStoreThatCannotOpen_leavesNoDataDirectory_norTheBlobStoresScratchDirectory() throws Exception {
    Path data = dir.resolve("data");
    assertThatThrownBy(() -> RiverFS.open(config(data).build())).hasMessageContaining("the database refused us");
    assertThat(data).doesNotExist();
  }

  @Test
  void anExistingBlobDirectory_andItsScratchDirectory_areKept() throws Exception {
    Path data = dir.resolve("data");
    Path scratch = Files.createDirectories(data.resolve("blobs").resolve(LocalBlobStore.TMP));
    assertThatThrownBy(() -> RiverFS.open(config(data).build())).hasMessageContaining("the database refused us");
    assertThat(scratch).isDirectory();
  }
}

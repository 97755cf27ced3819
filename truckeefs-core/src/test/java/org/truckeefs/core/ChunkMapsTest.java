package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;

class ChunkMapsTest {
  private static List<ChunkRef> chunks(int n, String tag) {
    List<ChunkRef> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ChunkRef(i, BlobRef.of(tag + i), 100));
    }
    return out;
  }

  @Test
  void aMap_isGivenOnlyForTheVersionItWasRememberedWith() {
    ChunkMaps maps = new ChunkMaps();
    InodeId id = InodeId.of(7);
    maps.remember(id, 3, chunks(2, "a"));
    assertThat(maps.get(id, 3)).isEqualTo(chunks(2, "a"));
    assertThat(maps.get(id, 4)).as("committed again since").isNull();
    assertThat(maps.get(id, 2)).isNull();
    assertThat(maps.get(InodeId.of(8), 3)).isNull();
    maps.remember(id, 4, chunks(1, "b"));
    assertThat(maps.get(id, 3)).isNull();
    assertThat(maps.get(id, 4)).isEqualTo(chunks(1, "b"));
  }

  @Test
  void aMap_isACopy_thatLaterChangesToTheRememberedListDoNotReach() {
    ChunkMaps maps = new ChunkMaps();
    List<ChunkRef> list = chunks(2, "a");
    maps.remember(InodeId.of(1), 1, list);
    list.clear();
    assertThat(maps.get(InodeId.of(1), 1)).hasSize(2);
  }

  @Test
  void forget_dropsTheMap() {
    ChunkMaps maps = new ChunkMaps();
    maps.remember(InodeId.of(1), 1, List.of());
    assertThat(maps.get(InodeId.of(1), 1)).isEmpty();
    maps.forget(InodeId.of(1));
    assertThat(maps.get(InodeId.of(1), 1)).isNull();
  }

  @Test
  void theChunkReferencesHeld_stayWithinTheBound() {
    ChunkMaps maps = new ChunkMaps(1_000);
    for (int i = 1; i <= 500; i++) {
      maps.remember(InodeId.of(i), 1, chunks(10, "f" + i + "-"));
    }
    // 5,000 references offered, at most 1,000 held: about 100 maps of 10
    assertThat(maps.size()).isLessThanOrEqualTo(100);
    long held = 0;
    for (int i = 1; i <= 500; i++) {
      List<ChunkRef> m = maps.get(InodeId.of(i), 1);
      held += m == null ? 0 : m.size();
    }
    assertThat(held).isBetween(1L, 1_000L);
  }
}

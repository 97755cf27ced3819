package org.truckeefs.testkit;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.spi.MetadataStore;

/**
 * The contract of {@link MetadataStore}, as its javadoc states it. A backend's test extends this class and
 * supplies {@link #createStore()}.
 *
 * <p>The contract comes in parts, one per concern, each a package-private class that this class runs as a
 * {@code @Nested} class: {@link LookupAndListingContract reads}, {@link NamespaceWriteContract namespace writes},
 * {@link RenameContract renames}, {@link ContentContract content and what it leaves behind},
 * {@link AttributeContract attributes} and {@link ConcurrencyContract concurrency}. Each part opens its own store
 * for every test through the hooks below, so the hooks are all a backend sees; what the parts share lives in
 * {@link MetadataStoreContract}.
 *
 * <p>Stores may be shared between tests (one database per test class), so the parts never rely on a store
 * being empty.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class AbstractMetadataStoreContractTest {
  /** A store to test; it may hold data from earlier tests of the same class, but not of other classes. */
  protected abstract MetadataStore createStore() throws Exception;

  /** Closes the store after each test; override to drop what {@link #createStore()} set up. */
  protected void releaseStore(MetadataStore s) throws Exception {
    s.close();
  }

  /**
   * Whether the store reports a directory's attributes after a create or unlink ({@code CreateResult.parent},
   * {@code UnlinkResult.parent}); override to return false for a store that keeps the SPI's defaults.
   */
  protected boolean reportsDirectoryAttributes() {
    return true;
  }

  /** The wall-clock time the store stamps on blobs that lose their last reference ({@code Instant.now()}). */
  protected Instant storeClockNow() {
    return Instant.now();
  }

  // Each part asks this test for its store; JUnit makes the part with this test as its enclosing instance.

  @Nested
  class Reads extends LookupAndListingContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }

  @Nested
  class NamespaceWrites extends NamespaceWriteContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }

  @Nested
  class Rename extends RenameContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }

  @Nested
  class ContentAndReclaim extends ContentContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }

  @Nested
  class Attributes extends AttributeContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }

  @Nested
  class Concurrency extends ConcurrencyContract {
    @Override
    AbstractMetadataStoreContractTest suite() {
      return AbstractMetadataStoreContractTest.this;
    }
  }
}

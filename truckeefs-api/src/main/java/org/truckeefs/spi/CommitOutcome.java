package org.truckeefs.spi;

import java.util.Objects;
import org.truckeefs.api.FsException;

/**
 * One commit's answer in {@link MetadataStore#commitContents}: what {@link MetadataStore#commitContent} would have
 * returned, or the error it would have thrown.
 *
 * @param result the commit's result; null when it failed
 * @param failure why it failed; null when it committed
 */
public record CommitOutcome(CommitResult result, FsException failure) {
  public CommitOutcome {
    if ((result == null) == (failure == null)) {
      throw new IllegalArgumentException("a commit outcome is a result or a failure, not both or neither");
    }
  }

  public static CommitOutcome of(CommitResult result) {
    return new CommitOutcome(Objects.requireNonNull(result), null);
  }

  public static CommitOutcome failed(FsException failure) {
    return new CommitOutcome(null, Objects.requireNonNull(failure));
  }

  /** The result, or the failure thrown. */
  public CommitResult get() throws FsException {
    if (failure != null) {
      throw failure;
    }
    return result;
  }
}

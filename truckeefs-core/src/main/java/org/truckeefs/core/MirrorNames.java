package org.truckeefs.core;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import org.truckeefs.api.Name;

/**
 * Names as a Tahoe mirror holds them: the gateway NFC-normalizes every child name on the way in and out
 * (tahoe-webapi.md 2.6), so a name is compared with a mirror listing in NFC, or an NFD name would look missing
 * (re-linked) and its NFC twin extra (deleted) at every start.
 */
final class MirrorNames {
  private MirrorNames() {}

  /** The name the mirror holds for {@code name} (RiverFS names are valid UTF-8). */
  static String of(Name name) {
    return Normalizer.normalize(new String(name.bytes(), StandardCharsets.UTF_8), Normalizer.Form.NFC);
  }

}

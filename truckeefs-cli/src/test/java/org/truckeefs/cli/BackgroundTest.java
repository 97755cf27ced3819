package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackgroundTest {
  @Test
  void fstabCallBecomesABackgroundMountWithLibfuseOptionsOnly() {
    String[] call = {"/etc/truckeefs.yaml", "/mnt/t", "-o", "rw,_netdev,nofail,allow_other,x-systemd.automount,noatime"};
    assertThat(Main.isFstabCall(call)).isTrue();
    assertThat(Background.fromFstab(call))
        .containsExactly("-c", "/etc/truckeefs.yaml", "mount", "--background", "/mnt/t", "-o", "allow_other");
    assertThat(Background.fromFstab(new String[] {"truckeefs", "/mnt/t"})).containsExactly("mount", "--background", "/mnt/t");
  }

  @Test
  void ordinaryCommandsAreNotFstabCalls() {
    assertThat(Main.isFstabCall(new String[] {"mount", "/mnt/t"})).isFalse();
    assertThat(Main.isFstabCall(new String[] {"-c", "x.yaml", "mount", "/mnt/t"})).isFalse();
    assertThat(Main.isFstabCall(new String[] {"status"})).isFalse();
  }
}

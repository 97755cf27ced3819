package org.truckeefs.testkit.tahoe;

/**
 * A child of an emulated directory, as a test sees it.
 *
 * @param name the child's name
 * @param directory whether it is a directory
 * @param cap the cap stored in the link (the write cap when there is one)
 * @param size the file's size, or -1 for a directory
 */
public record EmulatedEntry(String name, boolean directory, String cap, long size) {
  @Override
  public String toString() {
    return "EmulatedEntry[" + name + (directory ? "/" : " " + size + " bytes") + "]";
  }
}

/* libusb-1.0 (Debian: libusb-1.0-0-dev), for the Joulescope JS220 driver. */
#include <libusb.h>

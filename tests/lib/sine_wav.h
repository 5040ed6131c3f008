/*
 * sine_wav.h — a test input written byte by byte, without the library
 * under test: a mono 16-bit PCM WAV of a sine.
 */
#ifndef GRYM_TEST_SINE_WAV_H
#define GRYM_TEST_SINE_WAV_H

/* path: frames of a sine at freq Hz, amplitude 12000 of 32767, at 16 kHz.
 * 0, or -1 when the file cannot be written. */
int tap_sine_wav(const char *path, double freq, int frames);

#endif

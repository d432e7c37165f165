/* The protocol core: an 80-character command buffer, `db` loading into a
 * 27 648-byte buffer, `infer N W` with warm-up and timestamps, results, and
 * the extensions `tb-caps`, `tb-raw` and `tb-db` (binary input blocks with a
 * CRC-32, Docs/protocol.md), and for sww01 the reference's streaming commands
 * and `tb-pins`. Messages and error strings are the reference
 * firmware's, byte for byte (and the emulated DUT's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board.h"
#include "dut.h"
#include "sww_frontend.h"

extern const tb_model tb_generated_model;
/* The arena, sized by the generator (tb_arena.c): TinyRuntime's plan. */
extern int8_t tb_arena[];

static char command[TB_COMMAND_BUFFER + 1];
static uint32_t command_length;
static uint8_t buffer[TB_INPUT_BUFFER];
static int32_t buffer_size, buffer_position;
static int have_results;
static tb_timestamp_mode timestamp_mode;

/* The binary block being received: its header text and numbers, and its
 * payload + CRC staged here, so a damaged block never touches `buffer`. */
static struct {
    char header[TB_COMMAND_BUFFER + 1];
    uint32_t size, offset, length, shift, received;
} block;
static uint8_t staging[TB_BLOCK_MAX + 4];
static uint32_t crc_table[256];

static void print(const char *line) {
    board_write(line, (uint32_t)strlen(line));
    board_write("\r\n", 2);
}

/* CRC-32 (IEEE, reflected, as zlib's crc32), continuing from `crc`. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, uint32_t count) {
    crc = ~crc;
    for (uint32_t i = 0; i < count; ++i) crc = crc_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

#ifndef TB_SWW
#define TB_SWW 0
#endif

/* The model is sww01 (30 x 1 x 40 int8 input, 3 outputs): the firmware
 * also answers the reference DUT's `extract_uart_stream`, `start` and `stop`. The
 * Makefile builds the front end in (TB_SWW) only for an sww01 model, so the
 * other benchmarks' firmware carries none of its RAM. */
static int is_sww(const tb_model *m) {
    return TB_SWW && strcmp(m->name, "sww01") == 0 && m->input_bytes == SWW_MODEL_INPUT && m->output_bytes == 3;
}
#if !TB_SWW
/* Not an sww01 firmware: the front end is not built in, and is_sww is 0, so
 * nothing calls these (nor extract_uart_stream below). */
#define sww_frontend_init(scale) ((void)(scale))
#define sww_frontend_start() ((void)0)
#endif

void dut_boot(tb_timestamp_mode mode) {
    if (is_sww(&tb_generated_model)) sww_frontend_init(tb_generated_model.input_scale);
    for (uint32_t n = 0; n < 256; ++n) {
        uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = c & 1u ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    timestamp_mode = mode;
    print(mode == TB_TIMESTAMPS_ENERGY ? "m-timestamp-mode-energy" : "m-timestamp-mode-performance");
    print("m-init-done");
    print("m-ready");
}

static void timestamp(void) {
    if (timestamp_mode == TB_TIMESTAMPS_ENERGY) {
        board_timestamp_pulse();
        return;
    }
    char line[32];
    snprintf(line, sizeof line, "m-lap-us-%lu", (unsigned long)board_micros());
    print(line);
}

static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void db(char *sub, char *arg) {
    char line[96];
    if (!sub) { print("e-[Command 'db' requires a subcommand]"); return; }
    if (strcmp(sub, "load") == 0) {
        if (!arg) { print("e-[Command 'db load' requires the # of bytes]"); return; }
        const int n = atoi(arg);
        if (n == 0) { print("e-[Command 'db load' must be >0 bytes]"); return; }
        buffer_size = n;
        buffer_position = 0;
        if (n < 0 || n > TB_INPUT_BUFFER) {
            snprintf(line, sizeof line, "Supplied buffer size %d exceeds maximum of %d", n, TB_INPUT_BUFFER);
            print(line);
            return;
        }
        snprintf(line, sizeof line, "m-[Expecting %d bytes]", n);
        print(line);
        return;
    }
    if (strcmp(sub, "print") == 0) {
        const int32_t size = buffer_size < 0 ? 0 : (buffer_size > TB_INPUT_BUFFER ? TB_INPUT_BUFFER : buffer_size);
        for (int32_t i = 0; i < size; i += 8) {
            int n = snprintf(line, sizeof line, "m-buffer");
            for (int32_t k = i; k < i + 8 && k < size; ++k) n += snprintf(line + n, sizeof line - (size_t)n, "-%02x", buffer[k]);
            print(line);
        }
        return;
    }
    const size_t digits = strlen(sub);
    if (digits % 2) { print("e-[Insufficent number of hex digits]"); return; }
    for (size_t i = 0; i < digits; i += 2) {
        const int hi = hex(sub[i]), lo = hex(sub[i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(line, sizeof line, "e-[Invalid hex digit '%c%c']", sub[i], sub[i + 1]);
            print(line);
            return;
        }
        if (buffer_position < TB_INPUT_BUFFER) buffer[buffer_position] = (uint8_t)(hi << 4 | lo);
        ++buffer_position;
        if (buffer_position == buffer_size) { print("m-load-done"); return; }
    }
}

static void infer(char *count, char *warmup) {
    const tb_model *m = &tb_generated_model;
    int n = 1, w = 10;
    char line[32];
    if (count) {
        n = atoi(count);
        if (n <= 0) { print("e-[Inference iterations must be >0]"); return; }
        if (warmup) {
            w = atoi(warmup);
            if (w < 0) { print("e-[Inference warmup must be >=0]"); return; }
        }
    }
    const int32_t loaded = buffer_position < 0 ? 0 : (buffer_position > TB_INPUT_BUFFER ? TB_INPUT_BUFFER : buffer_position);
    th_load_tensor(m, tb_arena, buffer, (uint32_t)loaded);
    snprintf(line, sizeof line, "m-warmup-start-%d", w);
    print(line);
    for (int i = 0; i < w; ++i) tb_invoke(m, tb_arena);
    print("m-warmup-done");
    snprintf(line, sizeof line, "m-infer-start-%d", n);
    print(line);
    timestamp();
    for (int i = 0; i < n; ++i) tb_invoke(m, tb_arena);
    timestamp();
    print("m-infer-done");
    have_results = 1;
    static char results[2048];
    th_results(m, tb_arena, results, sizeof results);
    print(results);
}

#if TB_SWW
/* sww01's streaming state: the reference DUT's `start` ... `stop` (its I2S
 * state Streaming), with the frames arriving as `extract_uart_stream` hops
 * (this firmware has no I2S). While streaming each hop is one streamed frame:
 * the processing pin high for its processing, the wakeword pin pulsed on the
 * first frame (the runner's sync marker) and when out[0] > 115, out[0]
 * logged for `stop`. Every pin edge is also logged with board_micros(), so
 * QEMU, whose pins nobody watches, can be checked (`tb-pins`). */
#define SWW_DETECT_THRESHOLD 115
/* The reference's activation buffer (g_gp_buff_bytes): 64,000 frames, 34
 * minutes of 32 ms hops; later frames are processed but not logged, as there. */
#define SWW_ACTIVATIONS 64000
/* Pin events held between two `tb-pins` reads: 2 a frame (3 with a wakeword
 * pulse), so 1,024 hold over 340 frames; later ones are counted as dropped,
 * not stored. */
#define SWW_PIN_EVENTS 1024

typedef enum { PIN_TIMESTAMP, PIN_PROCESSING_HIGH, PIN_WAKEWORD, PIN_PROCESSING_LOW } pin_event_kind;
static const char *const pin_event_names[] = {"ts", "proc-hi", "ww", "proc-lo"};
static int streaming, first_frame;
static int8_t activations[SWW_ACTIVATIONS];
static uint32_t activation_count;
static struct { uint32_t micros; uint8_t kind; } pin_events[SWW_PIN_EVENTS];
static uint32_t pin_event_count, pin_events_dropped;

static void pin_event(pin_event_kind kind) {
    const uint32_t now = board_micros();
    if (pin_event_count >= SWW_PIN_EVENTS) { ++pin_events_dropped; return; }
    pin_events[pin_event_count].micros = now;
    pin_events[pin_event_count].kind = (uint8_t)kind;
    ++pin_event_count;
}

/* The reference's ee_timestamp: a pulse on the timestamp line whatever the
 * timestamp mode (the sww01 reference has no `m-lap-us` path); it brackets
 * the energy measurement. */
static void stream_timestamp(void) {
    pin_event(PIN_TIMESTAMP);
    board_timestamp_pulse();
}

/* The reference's ee_print_vals_int8: "[", then 16 values a row as "%d, "
 * (the last value followed by a space instead of the comma), then "]". */
static void print_vals_int8(const int8_t *values, uint32_t count) {
    char line[16 * 6 + 8];
    int n = snprintf(line, sizeof line, "[");
    for (uint32_t i = 0; i < count; i += 16) {
        for (uint32_t j = i; j < i + 16 && j < count; ++j)
            n += snprintf(line + n, sizeof line - (size_t)n, "%d%c ", values[j], j == count - 1 ? ' ' : ',');
        print(line);
        n = 0;
        line[0] = 0;
    }
    board_write(line, (uint32_t)n);
    print("]");
}

/* `start` (ee_start_detection): refused while streaming, as the reference. */
static void stream_start(void) {
    if (streaming) { print("I2S Rx currently in progress. Ignoring request"); return; }
    streaming = 1;
    first_frame = 1;
    activation_count = 0;
    pin_event_count = pin_events_dropped = 0;
    sww_frontend_start();
    /* The reference's two lines: no DMA here, but a host (or the runner)
     * talking to either firmware sees the same reply. */
    print("Listening for I2S data ... ");
    stream_timestamp();
    print("DMA receive initiated.");
}

/* `stop` (ee_stop_detection): the timestamp that ends the energy
 * measurement, then every frame's out[0]. */
static void stream_stop(void) {
    if (!streaming) { print("I2S is already idle.  Ignoring stop request"); return; }
    streaming = 0;
    stream_timestamp();
    print("Streaming stopped.");
    print("target activations: ");
    print_vals_int8(activations, activation_count);
}

/* `tb-pins` (TinyBench's extension, Docs/protocol.md): the pin events logged
 * since `start` or the last `tb-pins`, 8 a line as `m-pins-[NAME@US,...]`,
 * then `m-pins-total-N-dropped-D`; the log is then empty. */
static void pins_report(void) {
    char line[8 * 20 + 16];
    for (uint32_t i = 0; i < pin_event_count; i += 8) {
        int n = snprintf(line, sizeof line, "m-pins-[");
        for (uint32_t j = i; j < i + 8 && j < pin_event_count; ++j)
            n += snprintf(line + n, sizeof line - (size_t)n, "%s%s@%lu", j > i ? "," : "",
                          pin_event_names[pin_events[j].kind], (unsigned long)pin_events[j].micros);
        snprintf(line + n, sizeof line - (size_t)n, "]");
        print(line);
    }
    snprintf(line, sizeof line, "m-pins-total-%lu-dropped-%lu", (unsigned long)pin_event_count, (unsigned long)pin_events_dropped);
    print(line);
    pin_event_count = pin_events_dropped = 0;
}

/* The reference sww DUT's `extract_uart_stream` (th_extract_features_on_chunk):
 * the 1,024 loaded bytes are one hop of 512 little-endian int16 mono samples;
 * the front end adds a row to the model input, the model runs on it, and the
 * 40 new features and the 3 int8 outputs are printed as the reference does
 * (`%+3d`, joined by ", "). While streaming, the hop is also a streamed frame
 * (th_process_chunk_and_cont_streaming's pins and activation log; its
 * processing ends before the printing, which the I2S path does not do). */
static void extract_uart_stream(void) {
    const tb_model *m = &tb_generated_model;
    char line[320];
    if (buffer_size != 2 * SWW_HOP_LENGTH || buffer_position != 2 * SWW_HOP_LENGTH) {
        snprintf(line, sizeof line, "e-[extract_uart_stream needs `db load %d` and its %d bytes (512 int16 samples); %ld of %ld loaded]",
                 2 * SWW_HOP_LENGTH, 2 * SWW_HOP_LENGTH, (long)buffer_position, (long)buffer_size);
        print(line);
        return;
    }
    if (streaming) {
        board_processing_pin(1);
        pin_event(PIN_PROCESSING_HIGH);
    }
    int16_t samples[SWW_HOP_LENGTH];
    for (int32_t i = 0; i < SWW_HOP_LENGTH; ++i) samples[i] = (int16_t)(uint16_t)(buffer[2 * i] | buffer[2 * i + 1] << 8);
    int8_t features[SWW_MEL_BINS];
    sww_frontend_eval(samples, features);
    memcpy(tb_arena + m->input_offset, sww_frontend_model_input(), SWW_MODEL_INPUT);
    tb_invoke(m, tb_arena);
    have_results = 1;
    const int8_t *out = tb_arena + m->output_offset;
    if (streaming) {
        if (out[0] > SWW_DETECT_THRESHOLD || first_frame) {
            pin_event(PIN_WAKEWORD);
            board_wakeword_pulse();
            first_frame = 0;
        }
        if (activation_count < SWW_ACTIVATIONS) activations[activation_count++] = out[0];
        board_processing_pin(0);
        pin_event(PIN_PROCESSING_LOW);
    }
    int n = snprintf(line, sizeof line, "m-features-[");
    for (int32_t j = 0; j < SWW_MEL_BINS; ++j) n += snprintf(line + n, sizeof line - (size_t)n, j ? ", %+3d" : "%+3d", features[j]);
    snprintf(line + n, sizeof line - (size_t)n, "]");
    print(line);
    snprintf(line, sizeof line, "m-activations-[%+3d, %+3d, %+3d]", out[0], out[1], out[2]);
    print(line);
}
#else
static void extract_uart_stream(void) {}
static void stream_start(void) {}
static void stream_stop(void) {}
static void pins_report(void) {}
#endif

static void raw_output(void) {
    const tb_model *m = &tb_generated_model;
    char pair[3];
    board_write("m-tb-raw-[", 10);
    for (uint32_t i = 0; have_results && i < m->output_bytes; ++i) {
        snprintf(pair, sizeof pair, "%02x", (uint8_t)tb_arena[m->output_offset + i]);
        board_write(pair, 2);
    }
    print("]");
}

/* A decimal number of at most 9 digits ending at a space or the end; -1 otherwise. */
static int32_t number(const char **p) {
    int32_t value = 0, digits = 0;
    while (**p >= '0' && **p <= '9' && digits < 10) value = value * 10 + (*(*p)++ - '0'), ++digits;
    if (digits == 0 || digits > 9 || (**p != ' ' && **p != 0)) return -1;
    while (**p == ' ') ++*p;
    return value;
}

/* `tb-db SIZE OFFSET LENGTH SHIFT` with 1 <= LENGTH <= TB_BLOCK_MAX: the
 * block starts (its bytes follow the `%`). Anything else stays a command. */
static int block_header(const char *text) {
    if (strncmp(text, "tb-db ", 6) != 0) return 0;
    const char *p = text + 6;
    int32_t v[4];
    for (int i = 0; i < 4; ++i) if ((v[i] = number(&p)) < 0) return 0;
    if (*p != 0 || v[2] < 1 || v[2] > TB_BLOCK_MAX) return 0;
    strcpy(block.header, text);
    block.size = (uint32_t)v[0];
    block.offset = (uint32_t)v[1];
    block.length = (uint32_t)v[2];
    block.shift = (uint32_t)v[3];
    block.received = 0;
    return 1;
}

/* A complete block: stored when its CRC matches and its numbers fit the input
 * in progress, else rejected with nothing changed. */
static void store_block(void) {
    const uint32_t size = block.size, offset = block.offset, length = block.length, shift = block.shift;
    const uint8_t *c = staging + length;
    const uint32_t sent = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
    const uint32_t crc = crc32_update(crc32_update(0, (const uint8_t *)block.header, (uint32_t)strlen(block.header)), staging, length);
    char line[96];
    if (sent != crc) {
        print("e-[tb-db: CRC mismatch, block discarded]");
    } else if (size < 1 || size > TB_INPUT_BUFFER || offset + length > size) {
        snprintf(line, sizeof line, "e-[tb-db: block outside the %d-byte input buffer]", TB_INPUT_BUFFER);
        print(line);
    } else if (shift > 0 && ((uint32_t)buffer_size != size || (uint32_t)buffer_position != size || shift > size || offset != size - shift)) {
        snprintf(line, sizeof line, "e-[tb-db: no complete input of %lu bytes to slide]", (unsigned long)size);
        print(line);
    } else if (shift == 0 && offset > 0 && ((uint32_t)buffer_size != size || offset > (uint32_t)buffer_position)) {
        snprintf(line, sizeof line, "e-[tb-db: block at %lu does not follow the %ld bytes held]", (unsigned long)offset, (long)buffer_position);
        print(line);
    } else {
        if (shift > 0) memmove(buffer, buffer + shift, size - shift);
        buffer_size = (int32_t)size;
        memcpy(buffer + offset, staging, length);
        buffer_position = (int32_t)(offset + length);
        if (buffer_position == buffer_size) print("m-load-done");
    }
    print("m-ready");
}

static void execute(char *text) {
    char *name = strtok(text, " ");
    if (name && strcmp(name, "name") == 0) {
        print("m-name-dut-[TinyBench firmware]");
    } else if (name && strcmp(name, "timestamp") == 0) {
        timestamp();
    } else if (name && strcmp(name, "profile") == 0) {
        char line[48];
        print("m-profile-[ULPMark for tinyML Firmware V0.0.1]");
        snprintf(line, sizeof line, "m-model-[%s]", tb_generated_model.name);
        print(line);
    } else if (name && strcmp(name, "help") == 0) {
        print("ULPMark for tinyML Firmware V0.0.1");
        print("");
        print("help, name, timestamp, db load N | db HH.. | db print, infer N [W], results, tb-caps, tb-raw, tb-db");
        if (is_sww(&tb_generated_model)) print("sww01: start, extract_uart_stream (after db load 1024: 512 int16 samples), stop, tb-pins");
    } else if (name && strcmp(name, "db") == 0) {
        char *sub = strtok(NULL, " ");
        db(sub, strtok(NULL, " "));
    } else if (name && strcmp(name, "infer") == 0) {
        char *count = strtok(NULL, " ");
        infer(count, strtok(NULL, " "));
    } else if (name && strcmp(name, "results") == 0) {
        static char results[2048];
        if (have_results) {
            th_results(&tb_generated_model, tb_arena, results, sizeof results);
            print(results);
        } else {
            print("m-results-[]");
        }
    } else if (name && strcmp(name, "extract_uart_stream") == 0 && is_sww(&tb_generated_model)) {
        extract_uart_stream();
    } else if (name && strcmp(name, "start") == 0 && is_sww(&tb_generated_model)) {
        /* The reference `start` also starts I2S reception; this firmware has
         * no I2S input (QEMU has none): the hops come by extract_uart_stream. */
        stream_start();
    } else if (name && strcmp(name, "stop") == 0 && is_sww(&tb_generated_model)) {
        stream_stop();
    } else if (name && strcmp(name, "tb-pins") == 0 && is_sww(&tb_generated_model)) {
        pins_report();
    } else if (name && strcmp(name, "tb-raw") == 0) {
        raw_output();
    } else if (name && strcmp(name, "tb-caps") == 0) {
        print(is_sww(&tb_generated_model) ? "m-tb-caps-[raw,binary-db,pins]" : "m-tb-caps-[raw,binary-db]");
    } else if (name && strcmp(name, "tb-db") == 0) {
        print("e-[tb-db: block length must be 1 to 4096]");
    } else {
        char line[TB_COMMAND_BUFFER + 32];
        snprintf(line, sizeof line, "e-[Unknown command: %s]", name ? name : "(null)");
        print(line);
    }
    print("m-ready");
}

void dut_receive(const uint8_t *bytes, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        if (block.length > 0) {
            /* Inside a binary block every byte is data, '%' included: copy the run. */
            uint32_t run = block.length + 4 - block.received;
            if (run > count - i) run = count - i;
            memcpy(staging + block.received, bytes + i, run);
            block.received += run;
            i += run - 1;
            if (block.received == block.length + 4) {
                store_block();
                block.length = 0;
            }
        } else if (bytes[i] == '%') {
            command[command_length] = 0;
            command_length = 0;
            if (!block_header(command)) execute(command);
        } else if (command_length < TB_COMMAND_BUFFER) {
            command[command_length++] = (char)bytes[i];
        }
    }
}

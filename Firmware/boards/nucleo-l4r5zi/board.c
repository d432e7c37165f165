/* Board port for the NUCLEO-L4R5ZI (STM32L4R5ZI, Cortex-M4F), register level,
 * no vendor SDK: 120 MHz from MSI through the PLL (voltage range 1 boost, 5
 * flash wait states), TIM2 as the free-running microsecond counter, PF13
 * (Arduino D7, the pin the MLPerf Tiny energy wiring takes to the monitor) as
 * the timestamp line, and the reference sww01 firmware's pins for sww01:
 * PE9 (Arduino D6) processing, PB8 (Arduino D15) wakeword.
 *   performance build: LPUART1 on PG7/PG8, the ST-LINK virtual COM port, 115200 baud
 *   energy build (ENERGY=1): USART3 on PD8/PD9 (Arduino D1/D0) to the interface
 *   board, 9600 baud, timestamps as GPIO pulses
 * Register facts from RM0432 (STM32L4+ reference manual) and the board's user
 * manual UM2179. Not yet run on a board: see Docs/firmware.md. */
#include <stdint.h>
#include "board.h"
#include "cortex_m.h"

#define RCC 0x40021000u
#define RCC_CR TB_REG(RCC + 0x00)
#define RCC_CFGR TB_REG(RCC + 0x08)
#define RCC_PLLCFGR TB_REG(RCC + 0x0C)
#define RCC_AHB2ENR TB_REG(RCC + 0x4C)
#define RCC_APB1ENR1 TB_REG(RCC + 0x58)
#define RCC_APB1ENR2 TB_REG(RCC + 0x5C)
#define RCC_CCIPR TB_REG(RCC + 0x88)
#define FLASH_ACR TB_REG(0x40022000u)
#define PWR 0x40007000u
#define PWR_CR2 TB_REG(PWR + 0x04)
#define PWR_SR2 TB_REG(PWR + 0x14)
#define PWR_CR5 TB_REG(PWR + 0x80)
#define TIM2 0x40000000u
#define TIM2_CR1 TB_REG(TIM2 + 0x00)
#define TIM2_EGR TB_REG(TIM2 + 0x14)
#define TIM2_CNT TB_REG(TIM2 + 0x24)
#define TIM2_PSC TB_REG(TIM2 + 0x28)
#define TIM2_ARR TB_REG(TIM2 + 0x2C)
#define GPIO_MODER(port) TB_REG((port) + 0x00)
#define GPIO_OSPEEDR(port) TB_REG((port) + 0x08)
#define GPIO_BSRR(port) TB_REG((port) + 0x18)
#define GPIO_AFR(port, pin) TB_REG((port) + 0x20 + 4 * ((pin) / 8))
#define GPIOB 0x48000400u
#define GPIOD 0x48000C00u
#define GPIOE 0x48001000u
#define GPIOF 0x48001400u
#define GPIOG 0x48001800u

#define CORE_HZ 120000000u
#define TIMESTAMP_PIN 13u            /* PF13 = D7 */
/* sww01's pins, where the MLCommons reference sww firmware for this board has
 * them (sww_ref_l4r5zi: Processing_Pin PE9, WW_DETECTED_Pin PB8), so the
 * interface board's wiring is the same. Not checked on a board. */
#define PROCESSING_PIN 9u            /* PE9 = D6, idle low */
#define WAKEWORD_PIN 8u              /* PB8 = D15, idle high */

#if TB_ENERGY_MODE
#define UART 0x40004800u             /* USART3, kernel clock PCLK1 = 120 MHz */
#define UART_IRQ 39u
#define BAUD 9600u
#else
#define UART 0x40008000u             /* LPUART1, kernel clock HSI16 */
#define UART_IRQ 70u
#define BAUD 115200u
#endif
#define UART_CR1 TB_REG(UART + 0x00)
#define UART_BRR TB_REG(UART + 0x0C)
#define UART_ISR TB_REG(UART + 0x1C)
#define UART_ICR TB_REG(UART + 0x20)
#define UART_RDR TB_REG(UART + 0x24)
#define UART_TDR TB_REG(UART + 0x28)
#define NVIC_ISER(irq) TB_REG(0xE000E100u + 4 * ((irq) / 32))

static void pin_alternate(uint32_t port, uint32_t pin, uint32_t function) {
    GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << 4 * (pin % 8))) | function << 4 * (pin % 8);
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << 2 * pin)) | 2u << 2 * pin;
}

/* 120 MHz needs range 1 boost mode (PWR_CR5.R1MODE = 0) and 5 wait states,
 * and the switch to the PLL must pass through HCLK / 2 for 1 µs (RM0432 5.1.8). */
static void clock_init(void) {
    RCC_APB1ENR1 |= 1u << 28;                      /* PWREN */
    (void)RCC_APB1ENR1;
    FLASH_ACR = (FLASH_ACR & ~0xFu) | 5u | 7u << 8;  /* 5 WS, prefetch, I- and D-cache */
    while ((FLASH_ACR & 0xFu) != 5u) {}
    PWR_CR5 &= ~(1u << 8);                         /* boost */
    while (PWR_SR2 & (1u << 10)) {}                /* VOSF: regulator ready */
    /* MSI 4 MHz / M 1 * N 60 = 240 MHz VCO, / R 2 = 120 MHz. */
    RCC_PLLCFGR = 1u | 0u << 4 | 60u << 8 | 1u << 24;
    RCC_CR |= 1u << 24;                            /* PLLON */
    while (!(RCC_CR & (1u << 25))) {}
    RCC_CFGR = (RCC_CFGR & ~0xF3u) | 8u << 4 | 3u; /* HCLK = SYSCLK / 2, SYSCLK = PLL */
    while (((RCC_CFGR >> 2) & 3u) != 3u) {}
    for (volatile int i = 0; i < 200; ++i) {}      /* >= 1 µs at 60 MHz */
    RCC_CFGR &= ~0xF0u;                            /* HCLK = SYSCLK */
    RCC_CR |= 1u << 8;                             /* HSI16, LPUART1's clock */
    while (!(RCC_CR & (1u << 10))) {}
}

void board_init(void) {
    clock_init();
    RCC_AHB2ENR |= 1u << 1 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6;  /* GPIOB, D, E, F, G */
    PWR_CR2 |= 1u << 9;                            /* IOSV: port G runs on VDDIO2 */
    (void)RCC_AHB2ENR;

    /* Timestamp line idles high; a pulse is a falling edge. */
    GPIO_BSRR(GPIOF) = 1u << TIMESTAMP_PIN;
    GPIO_OSPEEDR(GPIOF) |= 2u << 2 * TIMESTAMP_PIN;
    GPIO_MODER(GPIOF) = (GPIO_MODER(GPIOF) & ~(3u << 2 * TIMESTAMP_PIN)) | 1u << 2 * TIMESTAMP_PIN;
    /* sww01's processing pin idles low, its wakeword pin high (a detection is
     * a falling edge); both push-pull outputs. Set in every build: unused
     * outside sww01, and harmless there. */
    GPIO_BSRR(GPIOE) = 1u << (PROCESSING_PIN + 16);
    GPIO_MODER(GPIOE) = (GPIO_MODER(GPIOE) & ~(3u << 2 * PROCESSING_PIN)) | 1u << 2 * PROCESSING_PIN;
    GPIO_BSRR(GPIOB) = 1u << WAKEWORD_PIN;
    GPIO_OSPEEDR(GPIOB) |= 2u << 2 * WAKEWORD_PIN;
    GPIO_MODER(GPIOB) = (GPIO_MODER(GPIOB) & ~(3u << 2 * WAKEWORD_PIN)) | 1u << 2 * WAKEWORD_PIN;

    RCC_APB1ENR1 |= 1u << 0;                       /* TIM2: 120 MHz / 120 = 1 MHz, 32 bits */
    (void)RCC_APB1ENR1;
    TIM2_PSC = CORE_HZ / 1000000u - 1;
    TIM2_ARR = 0xFFFFFFFFu;
    TIM2_EGR = 1u;                                 /* load the prescaler */
    TIM2_CR1 = 1u;

#if TB_ENERGY_MODE
    RCC_APB1ENR1 |= 1u << 18;                      /* USART3 */
    (void)RCC_APB1ENR1;
    pin_alternate(GPIOD, 8, 7);
    pin_alternate(GPIOD, 9, 7);
    UART_BRR = (CORE_HZ + BAUD / 2) / BAUD;
#else
    RCC_CCIPR = (RCC_CCIPR & ~(3u << 10)) | 2u << 10;  /* LPUART1 from HSI16 */
    RCC_APB1ENR2 |= 1u << 0;                       /* LPUART1 */
    (void)RCC_APB1ENR2;
    pin_alternate(GPIOG, 7, 8);
    pin_alternate(GPIOG, 8, 8);
    UART_BRR = (uint32_t)((256ull * 16000000u + BAUD / 2) / BAUD);
#endif
    UART_CR1 = 1u | 1u << 2 | 1u << 3 | 1u << 5;   /* UE, RE, TE, RXNEIE */
    NVIC_ISER(UART_IRQ) = 1u << (UART_IRQ % 32);
}

static void uart_handler(void) {
    /* Overrun, framing and noise flags would keep the interrupt asserted; the
     * lost byte shows up as a protocol error the host retries. */
    UART_ICR = 0xEu;
    while (UART_ISR & (1u << 5)) board_received((uint8_t)UART_RDR);
}

void board_write(const char *bytes, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        while (!(UART_ISR & (1u << 7))) {}         /* TXE */
        UART_TDR = (uint8_t)bytes[i];
    }
}

uint32_t board_micros(void) { return TIM2_CNT; }

void board_timestamp_pulse(void) {
    /* Low for 20 µs: the MLPerf rule asks for 1 µs, but the PPK2 samples its
     * logic inputs only every 10 µs. */
    GPIO_BSRR(GPIOF) = 1u << (TIMESTAMP_PIN + 16);
    const uint32_t start = TIM2_CNT;
    while (TIM2_CNT - start < 20u) {}
    GPIO_BSRR(GPIOF) = 1u << TIMESTAMP_PIN;
}

void board_processing_pin(int level) {
    GPIO_BSRR(GPIOE) = 1u << (PROCESSING_PIN + (level ? 0u : 16u));
}

void board_wakeword_pulse(void) {
    /* The reference holds it low for 1 µs; waiting for two ticks of the 1 MHz
     * counter makes at least one whole microsecond. */
    GPIO_BSRR(GPIOB) = 1u << (WAKEWORD_PIN + 16);
    const uint32_t start = TIM2_CNT;
    while (TIM2_CNT - start < 2u) {}
    GPIO_BSRR(GPIOB) = 1u << WAKEWORD_PIN;
}

void board_wait(void) { cortex_m_wait_for_interrupt(); }

void board_halt(int code) {
    (void)code;                      /* no one to tell on a board */
    __asm volatile("cpsid i");
    for (;;) __asm volatile("wfi");
}


extern uint32_t _stack_top;

__attribute__((section(".vectors"), used))
static void (*const vectors[16 + 71])(void) = {
    [0] = (void (*)(void))&_stack_top, [1] = reset_handler,
    [2] = fault_handler, [3] = fault_handler, [4] = fault_handler, [5] = fault_handler, [6] = fault_handler,
    [11] = fault_handler, [12] = fault_handler, [14] = fault_handler, [15] = fault_handler,
    [16 + UART_IRQ] = uart_handler,
};
